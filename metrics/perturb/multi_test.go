package perturb_test

import (
	"context"
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/perturb"
)

// decay32 is the scalar float32 recurrence x_t = a·x_{t-1} + u_t, whose
// output is the new state.
type decay32 struct{ a float32 }

func (decay32) StateDim() int  { return 1 }
func (decay32) InputDim() int  { return 1 }
func (decay32) OutputDim() int { return 1 }
func (d decay32) StepOut(dst, out, x, u []float32) {
	dst[0] = d.a*x[0] + u[0]
	out[0] = dst[0]
}

func TestRunMulti32HandComputed(t *testing.T) {
	in := make([][]float32, 8)
	for i := range in {
		in[i] = []float32{1}
	}
	const eps = 0x1p-4 // powers of two: every deviation below is exact
	once := perturb.Perturbation{StateEps: eps, InputEps: eps, At: 2}
	every := once
	every.InputAll = true
	double := once
	double.StateEps, double.InputEps = 2*eps, 2*eps
	var observed int
	res, err := perturb.RunMulti32(context.Background(), decay32{0.5}, in, []float32{0}, []perturb.Perturbation{once, every, double},
		func(tt int, ref []float32, pert [][]float32) {
			observed++
			if len(pert) != 3 {
				t.Fatalf("observer got %d perturbed states", len(pert))
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	// Once: δ_0 = ε, δ_1 = a·ε + ε, then δ_N = a·δ_{N-1}. Every step:
	// δ_N = a·δ_{N-1} + ε.
	wantOnce := []float64{1, 1.5, 0.75, 0.375, 0.1875, 0.09375, 0.046875}
	wantEvery := []float64{1, 1.5, 1.75, 1.875, 1.9375, 1.96875, 1.984375}
	if len(res.State[0].Max) != 7 || len(res.Output[0].Max) != 6 || observed != 6 {
		t.Fatalf("%d state points, %d outputs, %d observations; want 7, 6, 6", len(res.State[0].Max), len(res.Output[0].Max), observed)
	}
	for n := range wantOnce {
		if res.State[0].Max[n] != wantOnce[n]*eps || res.State[1].Max[n] != wantEvery[n]*eps || res.State[2].Max[n] != 2*wantOnce[n]*eps {
			t.Errorf("N %d: %v, %v, %v; want %v, %v, %v", n, res.State[0].Max[n], res.State[1].Max[n], res.State[2].Max[n],
				wantOnce[n]*eps, wantEvery[n]*eps, 2*wantOnce[n]*eps)
		}
		if n > 0 && res.Output[0].Max[n-1] != wantOnce[n]*eps {
			t.Errorf("output %d: %v, want %v", n-1, res.Output[0].Max[n-1], wantOnce[n]*eps)
		}
	}
	if res.StateScale != 2 || res.OutputScale != 2 { // x approaches 1/(1−a) = 2
		t.Logf("scales %v %v", res.StateScale, res.OutputScale)
		if !(res.StateScale > 1.9 && res.StateScale <= 2) {
			t.Errorf("state scale %v, want near 2", res.StateScale)
		}
	}
	for _, c := range []struct {
		name string
		ps   []perturb.Perturbation
		x0   []float32
	}{
		{"different t0", []perturb.Perturbation{once, {InputEps: eps, At: 3}}, []float32{0}},
		{"no perturbation", nil, []float32{0}},
		{"wrong state size", []perturb.Perturbation{once}, []float32{0, 0}},
		{"t0 past the end", []perturb.Perturbation{{InputEps: eps, At: 8}}, []float32{0}},
	} {
		if _, err := perturb.RunMulti32(context.Background(), decay32{0.5}, in, c.x0, c.ps, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// OutputDeviations gives what OutputDeviation gives for each
// perturbation, from one reference forward.
func TestOutputDeviationsMatchesOne(t *testing.T) {
	in := [][]float64{{1, 0}, {0, 1}, {2, 2}, {0, 0}, {1, 1}}
	ps := []perturb.Perturbation{
		{InputEps: 0.5, At: 1, Kind: perturb.RandomSign, Seed: 3},
		{InputEps: 0.25, At: 1, InputAll: true, Kind: perturb.RandomSign, Seed: 3},
	}
	all, err := perturb.OutputDeviations(cumsum{}, in, ps)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		one, err := perturb.OutputDeviation(cumsum{}, in, p)
		if err != nil {
			t.Fatal(err)
		}
		for j := range one.Max {
			if one.Max[j] != all[i].Max[j] || one.L2[j] != all[i].L2[j] {
				t.Fatalf("perturbation %d, position %d: %v, want %v", i, j, all[i].Max[j], one.Max[j])
			}
		}
	}
	if _, err := perturb.OutputDeviations(cumsum{}, in, []perturb.Perturbation{perturb.Theorem(0.1, 0)}); err == nil {
		t.Error("a state perturbation of a stateless model gave no error")
	}
}

func TestAccumulatedBound(t *testing.T) {
	b := perturb.AccumulatedBound(0.5, 0, 4) // ζ = 0: ε·(N+1)
	for n, w := range []float64{0.5, 1, 1.5, 2} {
		if b[n] != w {
			t.Errorf("ζ = 0, N %d: %v, want %v", n, b[n], w)
		}
	}
	z := math.Log(0.5) // ε·(2 − 2^-N): below 2ε for ever
	b = perturb.AccumulatedBound(1, z, 20)
	if math.Abs(b[1]-1.5) > 1e-15 || !(b[19] < 2) || !(b[19] > 1.999) {
		t.Errorf("ζ = log ½: %v, %v; want 1.5, just below 2", b[1], b[19])
	}
}
