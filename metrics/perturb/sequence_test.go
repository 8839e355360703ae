package perturb_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/internal/testsys"
	"github.com/ssmlab/ssmlab/metrics/perturb"
)

// cumsum is the causal sequence model y_t = sum_{s<=t} u_s on two coordinates.
type cumsum struct{}

func (cumsum) InputDim() int  { return 2 }
func (cumsum) OutputDim() int { return 2 }
func (cumsum) Outputs(dst, in [][]float64) {
	acc := []float64{0, 0}
	for t, u := range in {
		acc[0], acc[1] = acc[0]+u[0], acc[1]+u[1]
		copy(dst[t], acc)
	}
}

func TestOutputDeviationHandComputed(t *testing.T) {
	in := [][]float64{{1, 0}, {0, 1}, {2, 2}, {0, 0}, {1, 1}}
	const eps = 0.5
	cases := []struct {
		name string
		p    perturb.Perturbation
		max  []float64 // in units of eps, positions At..T-1
	}{
		{"one input", perturb.Perturbation{InputEps: eps, At: 1}, []float64{1, 1, 1, 1}},
		{"every input", perturb.Perturbation{InputEps: eps, At: 2, InputAll: true}, []float64{1, 2, 3}},
	}
	for _, c := range cases {
		s, err := perturb.OutputDeviation(cumsum{}, in, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Max) != len(c.max) {
			t.Fatalf("%s: %d positions, want %d", c.name, len(s.Max), len(c.max))
		}
		for j, w := range c.max {
			if !near(s.Max[j], w*eps) || !near(s.L2[j], math.Sqrt2*w*eps) {
				t.Errorf("%s: j=%d: max %v, L2 %v; want %v, %v", c.name, j, s.Max[j], s.L2[j], w*eps, math.Sqrt2*w*eps)
			}
		}
	}
	if _, err := perturb.OutputDeviation(cumsum{}, in, perturb.Theorem(eps, 0)); err == nil {
		t.Error("a state perturbation of a stateless model gave no error")
	}
}

// Attention spreads a perturbation over all later positions with weights
// about 1/t: it neither vanishes at the next position nor grows.
func TestOutputDeviationOfAttention(t *testing.T) {
	att := testsys.NewAttention(8, 3)
	in := testsys.Inputs(64, 8, 1, 4)
	s, err := perturb.OutputDeviation(att, in, perturb.Perturbation{InputEps: perturb.BF16Roundoff, At: 8, Kind: perturb.RandomSign})
	if err != nil {
		t.Fatal(err)
	}
	if !(s.Max[0] >= perturb.BF16Roundoff) || !(s.L2[1] > 0) {
		t.Errorf("deviation at the perturbed position %v and the next %v", s.Max[0], s.L2[1])
	}
	f := perturb.FitRate(s.L2, perturb.FitOptions{From: 1})
	t.Logf("attention: deviation %.3g at t0, %.3g at the end, fitted rate %.3g", s.L2[0], s.L2[len(s.L2)-1], f.Rate)
	if !(math.Abs(f.Rate) < 0.1) {
		t.Errorf("attention deviation rate %v, want near 0", f.Rate)
	}
}
