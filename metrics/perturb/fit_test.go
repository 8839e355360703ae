package perturb_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/perturb"
)

func TestFitRate(t *testing.T) {
	geo := func(n int, c, r float64) []float64 { // c * exp(r N)
		d := make([]float64, n)
		for i := range d {
			d[i] = c * math.Exp(r*float64(i))
		}
		return d
	}
	cases := []struct {
		name     string
		d        []float64
		opt      perturb.FitOptions
		rate     float64
		from, to int
	}{
		{"exact exponential", geo(10, 3, -0.5), perturb.FitOptions{}, -0.5, 0, 10},
		{"from", append([]float64{100, 100}, geo(8, 1, 0.2)[2:]...), perturb.FitOptions{From: 2}, 0.2, 2, 8},
		{"stops at underflow", append(geo(5, 1, -1), 0, 1e-3, 1e-3), perturb.FitOptions{}, -1, 0, 5},
		{"stops at the floor", append(geo(5, 1, -1), 1e-9, 1e-3), perturb.FitOptions{Floor: 1e-8}, -1, 0, 5},
		{"stops at the ceiling", append(geo(6, 1e-6, 2), 1, 1), perturb.FitOptions{Ceiling: 1e-1}, 2, 0, 6},
		{"stops at NaN", append(geo(3, 1, 0.1), math.NaN(), 1), perturb.FitOptions{}, 0.1, 0, 3},
		{"one point", []float64{1, 0}, perturb.FitOptions{}, math.NaN(), 0, 1},
		// Hand-computed least squares: log d = 0, 1, 3 at N = 0, 1, 2 -> slope 1.5.
		{"least squares", []float64{1, math.E, math.Exp(3)}, perturb.FitOptions{}, 1.5, 0, 3},
	}
	for _, c := range cases {
		f := perturb.FitRate(c.d, c.opt)
		if f.From != c.from || f.To != c.to || !(math.Abs(f.Rate-c.rate) < 1e-12 || math.IsNaN(c.rate) && math.IsNaN(f.Rate)) {
			t.Errorf("%s: rate %v over [%d, %d); want %v over [%d, %d)", c.name, f.Rate, f.From, f.To, c.rate, c.from, c.to)
		}
	}
}

func TestCheckBoundHandComputed(t *testing.T) {
	// dev = 1.5 eps 0.5^(N-1) for N >= 1 against eps 0.5^N: ratio 1, 3, 3, 3.
	const eps = 0.25
	dev := []float64{eps, 1.5 * eps, 0.75 * eps, 0.375 * eps}
	b := perturb.CheckBound(dev, eps, math.Log(0.5), 0)
	if !near(b.C, 3) || b.ArgC != 1 || !near(b.Ratio[0], 1) || !near(b.Ratio[3], 3) {
		t.Errorf("C = %v at %d, ratios %v; want 3 at 1, [1 3 3 3]", b.C, b.ArgC, b.Ratio)
	}
	// Least-squares slope of log(1, 3, 3, 3) against N = 0..3 is 0.3*log 3.
	if !near(b.Excess.Rate, 0.3*math.Log(3)) {
		t.Errorf("excess rate %v, want %v", b.Excess.Rate, 0.3*math.Log(3))
	}
	if !near(b.At(2), eps/4) {
		t.Errorf("bound at N=2: %v, want eps/4", b.At(2))
	}
	if !b.Holds(3.001, 0.4) || b.Holds(2.9, 1) || b.Holds(3.001, 0.3) {
		t.Errorf("Holds disagrees with C = 3, excess %.3f", b.Excess.Rate)
	}
	// Below the floor the points are not checked: a deviation stuck at
	// rounding noise while the bound shrinks does not count.
	b = perturb.CheckBound([]float64{1, 0.5, 1e-9, 1e-9}, 1, math.Log(0.5), 1e-8)
	if b.C != 1 || b.Excess.To != 2 {
		t.Errorf("with a floor: C %v, excess fit over %d points; want 1 over 2", b.C, b.Excess.Points())
	}
}
