package report

import (
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// Statistics over seeds: a quantity's mean and spread, per-seed means,
// and the bootstrap interval of a difference between families.

// spread is a quantity over seeds: mean and sample standard deviation (NaN
// with fewer than two seeds) of its finite values.
type spread struct {
	Mean, SD float64
	N        int
}

func spreadOf(xs []float64) spread {
	s := spread{Mean: math.NaN(), SD: math.NaN()}
	var sum float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			sum += x
			s.N++
		}
	}
	if s.N == 0 {
		return s
	}
	s.Mean = sum / float64(s.N)
	if s.N > 1 {
		var ss float64
		for _, x := range xs {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				ss += (x - s.Mean) * (x - s.Mean)
			}
		}
		s.SD = math.Sqrt(ss / float64(s.N-1))
	}
	return s
}

// mean is the mean, NaN when there is no value (also for the zero spread
// that a missing map entry gives).
func (s spread) mean() float64 {
	if s.N == 0 {
		return math.NaN()
	}
	return s.Mean
}

// bar returns the mean and the mean ± sd error bar (NaN without a spread).
func (s spread) bar() (v, lo, hi float64) {
	if s.N < 2 || math.IsNaN(s.SD) {
		return s.mean(), math.NaN(), math.NaN()
	}
	return s.Mean, s.Mean - s.SD, s.Mean + s.SD
}

// format writes "mean ± sd", "mean" with one seed, "—" with none.
func (s spread) format(f func(float64) string) string {
	switch {
	case s.N == 0:
		return "—"
	case s.N == 1:
		return f(s.Mean)
	}
	return f(s.Mean) + " ± " + f(s.SD)
}

// seedMeans collects values per seed; its spread is over the per-seed means
// (a family's models averaged within each seed, then spread over seeds).
type seedMeans map[int64][]float64

func (m seedMeans) add(seed int64, x float64) { m[seed] = append(m[seed], x) }

func (m seedMeans) spread() spread {
	seeds := make([]int64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	var means []float64
	for _, s := range seeds {
		means = append(means, spreadOf(m[s]).Mean)
	}
	return spreadOf(means)
}

// values are the per-seed means in seed order.
func (m seedMeans) values() []float64 {
	seeds := make([]int64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	out := make([]float64, len(seeds))
	for i, s := range seeds {
		out[i] = spreadOf(m[s]).Mean
	}
	return out
}

// seedDiffCI is mean(a) − mean over the families bs of mean(b), a's and
// each b's values one per seed, with a bootstrap interval that resamples
// every family's seeds independently. The interval is NaN when a family has
// fewer than two seeds: one seed says nothing of the seed-to-seed spread.
func seedDiffCI(a []float64, bs [][]float64, opt bootstrap.Options) bootstrap.Interval {
	mean := func(x []float64, idx []int) float64 {
		t := 0.0
		for _, i := range idx {
			t += x[i]
		}
		return t / float64(len(idx))
	}
	groups := [][]float64{a}
	for _, b := range bs {
		if len(b) > 0 {
			groups = append(groups, b)
		}
	}
	if len(a) == 0 || len(groups) < 2 {
		return nanInterval()
	}
	d := bootstrap.Design{Items: 1}
	few := false
	for _, g := range groups {
		d.Seeds = append(d.Seeds, len(g))
		few = few || len(g) < 2
	}
	iv, err := bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 {
		t := 0.0
		for j, g := range groups[1:] {
			t += mean(g, dr.Seeds[j+1])
		}
		return mean(a, dr.Seeds[0]) - t/float64(len(groups)-1)
	})
	if err != nil {
		return nanInterval()
	}
	if few {
		iv.Lo, iv.Hi = math.NaN(), math.NaN()
	}
	return iv
}
