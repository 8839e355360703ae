package lyapunov_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

// diag32 is x' = a*x + u in float32, with or without JVP and Output.
type diag32 struct{ a []float32 }

func (d diag32) StateDim() int { return len(d.a) }
func (d diag32) InputDim() int { return len(d.a) }
func (d diag32) Step(dst, x, u []float32) {
	for i := range dst {
		dst[i] = d.a[i]*x[i] + u[i]
	}
}

type diag32J struct{ diag32 }

func (d diag32J) JVP(dst, x, u, vs []float32) {
	for i := range vs {
		dst[i] = d.a[i%len(d.a)] * vs[i]
	}
}

type diag32JO struct{ diag32J }

func (d diag32JO) OutputDim() int { return 1 }
func (d diag32JO) Output(dst, x, u []float32) {
	dst[0] = 0
	for _, v := range x {
		dst[0] += v
	}
}

type diag32O struct{ diag32 }

func (d diag32O) OutputDim() int             { return 1 }
func (d diag32O) Output(dst, x, u []float32) { dst[0] = x[0] }

func TestWidenKeepsCapabilities(t *testing.T) {
	a := []float32{0.5, -2}
	cases := []struct {
		name       string
		s          lyapunov.System32
		jvp, outer bool
	}{
		{"step only", diag32{a}, false, false},
		{"jvp", diag32J{diag32{a}}, true, false},
		{"output", diag32O{diag32{a}}, false, true},
		{"jvp and output", diag32JO{diag32J{diag32{a}}}, true, true},
	}
	for _, c := range cases {
		w := lyapunov.Widen(c.s)
		_, isJ := w.(lyapunov.Differentiable)
		_, isO := w.(lyapunov.Observed)
		if isJ != c.jvp || isO != c.outer {
			t.Errorf("%s: Differentiable %v, Observed %v; want %v, %v", c.name, isJ, isO, c.jvp, c.outer)
		}
		dst := make([]float64, 2)
		w.Step(dst, []float64{1, 1}, []float64{0.25, 0.5})
		if dst[0] != 0.75 || dst[1] != -1.5 {
			t.Errorf("%s: Step = %v, want [0.75 -1.5]", c.name, dst)
		}
	}
}

func TestBenettinOnWidenedFloat32(t *testing.T) {
	w := lyapunov.Widen(diag32J{diag32{[]float32{0.5, -2, 0.9}}}).(lyapunov.Differentiable)
	in := make([][]float64, 100)
	for i := range in {
		in[i] = make([]float64, 3)
	}
	res, err := lyapunov.Benettin(w, in, make([]float64, 3), lyapunov.Options{QTransient: 20})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Log(2), math.Log(0.9), math.Log(0.5)}
	for i := range want {
		// float32 Jacobian products: rounding of about 6e-8 per step.
		if math.Abs(res.Exponents[i]-want[i]) > 1e-6 {
			t.Errorf("lambda_%d = %v, want %v", i, res.Exponents[i], want[i])
		}
	}
}

func TestBenettinRejectsBadOptions(t *testing.T) {
	w := lyapunov.Widen(diag32J{diag32{[]float32{0.5, 0.5}}}).(lyapunov.Differentiable)
	in := [][]float64{{0, 0}, {0, 0}, {0, 0}}
	cases := []struct {
		name string
		x0   []float64
		in   [][]float64
		opt  lyapunov.Options
	}{
		{"K too large", []float64{0, 0}, in, lyapunov.Options{K: 3}},
		{"transients too long", []float64{0, 0}, in, lyapunov.Options{StateTransient: 2, QTransient: 1}},
		{"state size", []float64{0}, in, lyapunov.Options{}},
		{"input size", []float64{0, 0}, [][]float64{{0}}, lyapunov.Options{}},
		{"Q0 size", []float64{0, 0}, in, lyapunov.Options{Q0: []float64{1}}},
		{"Q0 dependent", []float64{0, 0}, in, lyapunov.Options{Q0: []float64{1, 0, 2, 0}}},
	}
	for _, c := range cases {
		if _, err := lyapunov.Benettin(w, c.in, c.x0, c.opt); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
