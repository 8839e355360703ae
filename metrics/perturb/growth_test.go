package perturb_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/perturb"
)

// halver is x' = x/2 + u on two coordinates, with output y = x.
type halver struct{}

func (halver) StateDim() int  { return 2 }
func (halver) InputDim() int  { return 2 }
func (halver) OutputDim() int { return 2 }
func (halver) Step(dst, x, u []float64) {
	for i := range dst {
		dst[i] = x[i]/2 + u[i]
	}
}
func (halver) Output(dst, x, u []float64) { copy(dst, x) }

func TestRunHandComputed(t *testing.T) {
	in := [][]float64{{1, 2}, {0, 0}, {3, 1}, {0, 0}, {0, 0}}
	const eps = 0.25
	cases := []struct {
		name string
		p    perturb.Perturbation
		max  []float64 // State.Max[N], in units of eps
	}{
		// delta_0 = eps; delta_1 = eps/2 + eps; then halving: 1.5 eps * 2^-(N-1).
		{"theorem", perturb.Theorem(eps, 0), []float64{1, 1.5, 0.75, 0.375, 0.1875, 0.09375}},
		// Every input perturbed: delta_N = 2 eps - eps 2^-N, settling at 2 eps.
		{"every input", perturb.Perturbation{StateEps: eps, InputEps: eps, InputAll: true}, []float64{1, 1.5, 1.75, 1.875, 1.9375, 1.96875}},
		// Perturbed at t0 = 2: the series starts at x_2.
		{"at t0 = 2", perturb.Theorem(eps, 2), []float64{1, 1.5, 0.75, 0.375}},
		{"state only, random signs", perturb.Perturbation{StateEps: eps, Kind: perturb.RandomSign}, []float64{1, 0.5, 0.25, 0.125, 0.0625, 0.03125}},
	}
	for _, c := range cases {
		g, err := perturb.Run(halver{}, in, []float64{0, 0}, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.State.Max) != len(c.max) || len(g.Output.Max) != len(c.max)-1 {
			t.Fatalf("%s: %d state and %d output points, want %d and %d", c.name, len(g.State.Max), len(g.Output.Max), len(c.max), len(c.max)-1)
		}
		for n, w := range c.max {
			// Both coordinates move by the same amount: L2 = sqrt(2) Max.
			if !near(g.State.Max[n], w*eps) || !near(g.State.L2[n], math.Sqrt2*w*eps) {
				t.Errorf("%s: N=%d: max %v, L2 %v; want %v, %v", c.name, n, g.State.Max[n], g.State.L2[n], w*eps, math.Sqrt2*w*eps)
			}
			if n > 0 && !near(g.Output.Max[n-1], w*eps) { // y_{t0+j} reads x_{t0+j+1}
				t.Errorf("%s: output j=%d: %v, want %v", c.name, n-1, g.Output.Max[n-1], w*eps)
			}
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	in := [][]float64{{0, 0}, {0, 0}}
	cases := []struct {
		name string
		x0   []float64
		in   [][]float64
		p    perturb.Perturbation
	}{
		{"t0 past the end", []float64{0, 0}, in, perturb.Theorem(1, 2)},
		{"negative eps", []float64{0, 0}, in, perturb.Theorem(-1, 0)},
		{"state size", []float64{0}, in, perturb.Theorem(1, 0)},
		{"input size", []float64{0, 0}, [][]float64{{0}}, perturb.Theorem(1, 0)},
		{"unknown kind", []float64{0, 0}, in, perturb.Perturbation{Kind: 7}},
	}
	for _, c := range cases {
		if _, err := perturb.Run(halver{}, c.in, c.x0, c.p); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestDeviationsHandComputed(t *testing.T) {
	s := perturb.Deviations([][]float64{{0, 0}, {1, 1}}, [][]float64{{3, 4}, {1, -1}})
	if s.L2[0] != 5 || s.Max[0] != 4 || s.L2[1] != 2 || s.Max[1] != 2 {
		t.Errorf("got L2 %v, Max %v; want [5 2], [4 2]", s.L2, s.Max)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-15*math.Max(1, math.Abs(b)) }
