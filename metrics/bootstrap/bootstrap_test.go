package bootstrap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// meanOf returns the statistic "mean of x over the drawn items".
func meanOf(x []float64) func(Draw) float64 {
	return func(d Draw) float64 {
		s := 0.0
		for _, i := range d.Items {
			s += x[i]
		}
		return s / float64(len(d.Items))
	}
}

func TestPercentileHandComputed(t *testing.T) {
	xs := make([]float64, 100)
	for i := range xs {
		xs[len(xs)-1-i] = float64(i + 1) // 100..1, unsorted on purpose
	}
	cases := []struct {
		xs       []float64
		level    float64
		wlo, whi float64
	}{
		{xs, 0.9, 5, 95},                   // 5% of 100 values: the 5th smallest
		{[]float64{4, 1, 3, 2}, 0.5, 1, 3}, // quartiles: 1/4 of 4 values -> 1st, 3/4 -> 3rd
		{[]float64{7}, 0.95, 7, 7},
	}
	for _, c := range cases {
		if lo, hi := Percentile(c.xs, c.level); lo != c.wlo || hi != c.whi {
			t.Errorf("level %v: [%v, %v], want [%v, %v]", c.level, lo, hi, c.wlo, c.whi)
		}
	}
}

// Two items scored 0 and 1: the resampled mean is 0, 1/2, 1 with
// probabilities 1/4, 1/2, 1/4, so the 95% interval is [0, 1] and the 40%
// interval (quantiles 0.3 and 0.7) is [1/2, 1/2]. The same holds with one
// item and two seeds scored 0 and 1, resampling seeds.
func TestRunTwoPointsHandComputed(t *testing.T) {
	twoItems := Design{Items: 2}
	twoSeeds := Design{Items: 1, Seeds: []int{2}}
	seedMean := func(d Draw) float64 { return (float64(d.Seeds[0][0]) + float64(d.Seeds[0][1])) / 2 }
	cases := []struct {
		name     string
		d        Design
		stat     func(Draw) float64
		level    float64
		wlo, whi float64
	}{
		{"items 95%", twoItems, meanOf([]float64{0, 1}), 0.95, 0, 1},
		{"items 40%", twoItems, meanOf([]float64{0, 1}), 0.4, 0.5, 0.5},
		{"seeds 95%", twoSeeds, seedMean, 0.95, 0, 1},
		{"seeds 40%", twoSeeds, seedMean, 0.4, 0.5, 0.5},
		{"constant", Design{Items: 5}, meanOf([]float64{0.3, 0.3, 0.3, 0.3, 0.3}), 0.95, 0.3, 0.3},
	}
	for _, c := range cases {
		iv, err := Run(c.d, Options{B: 4000, Level: c.level, Seed: 1}, c.stat)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Estimate != (c.wlo+c.whi)/2 || iv.Lo != c.wlo || iv.Hi != c.whi || iv.Valid != 4000 {
			t.Errorf("%s: %+v, want estimate %v in [%v, %v]", c.name, iv, (c.wlo+c.whi)/2, c.wlo, c.whi)
		}
	}
}

func TestRunResamplesWithinStrata(t *testing.T) {
	strata := []int{7, 7, 7, 2, 2, 9}
	bad := 0
	_, err := Run(Design{Items: 6, Strata: strata}, Options{B: 200}, func(d Draw) float64 {
		for pos, i := range d.Items {
			if strata[i] != strata[pos] {
				bad++
			}
		}
		return 0
	})
	if err != nil || bad != 0 {
		t.Errorf("err %v; %d items drawn outside their stratum", err, bad)
	}
}

func TestRunDeterminismAndStreams(t *testing.T) {
	x := []float64{0, 1, 1, 0, 1, 1, 1, 0}
	a, _ := Run(Design{Items: 8}, Options{B: 300, Seed: 5}, meanOf(x))
	b, _ := Run(Design{Items: 8}, Options{B: 300, Seed: 5}, meanOf(x))
	// Identical seeds add a level that changes nothing: same item draws.
	c, _ := Run(Design{Items: 8, Seeds: []int{3, 2}}, Options{B: 300, Seed: 5}, meanOf(x))
	d, _ := Run(Design{Items: 8}, Options{B: 300, Seed: 6}, meanOf(x))
	if a != b || a != c {
		t.Errorf("same seed gave %+v, %+v, %+v", a, b, c)
	}
	if a == d {
		t.Errorf("seeds 5 and 6 gave the same interval %+v", a)
	}
}

func TestRunUndefinedResamples(t *testing.T) {
	inv := func(x []float64) func(Draw) float64 { // 1/mean: undefined when the mean is 0
		m := meanOf(x)
		return func(d Draw) float64 { return 1 / m(d) }
	}
	// Both items 0 in 1/4 of the resamples: more than 2.5%, no interval.
	iv, _ := Run(Design{Items: 2}, Options{B: 1000}, inv([]float64{0, 1}))
	if !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) || iv.Valid > 800 || iv.Estimate != 2 {
		t.Errorf("two items: %+v, want NaN bounds and about 750 valid", iv)
	}
	// One zero among 10: all ten drawn 0 has probability 1e-10.
	iv, _ = Run(Design{Items: 10}, Options{B: 1000}, inv([]float64{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}))
	if iv.Valid != 1000 || math.IsNaN(iv.Lo) {
		t.Errorf("ten items: %+v", iv)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name string
		d    Design
		opt  Options
	}{
		{"no items", Design{}, Options{}},
		{"negative B", Design{Items: 2}, Options{B: -1}},
		{"level 1", Design{Items: 2}, Options{Level: 1}},
		{"strata length", Design{Items: 2, Strata: []int{0}}, Options{}},
		{"zero seeds", Design{Items: 2, Seeds: []int{0}}, Options{}},
	}
	for _, c := range cases {
		if _, err := Run(c.d, c.opt, meanOf([]float64{0, 0})); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// The 95% interval for a proportion covers the true value in about 95% of
// simulated data sets (n = 100 Bernoulli(0.3) items; 300 data sets;
// observed 0.917: percentile intervals of a proportion at n = 100 under-cover
// slightly, and 300 data sets give a standard error of about 0.015).
func TestRunCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 0))
	const p, n, sims = 0.3, 100, 300
	covered := 0
	x := make([]float64, n)
	for s := range sims {
		for i := range x {
			x[i] = 0
			if rng.Float64() < p {
				x[i] = 1
			}
		}
		iv, err := Run(Design{Items: n}, Options{B: 400, Seed: uint64(s)}, meanOf(x))
		if err != nil {
			t.Fatal(err)
		}
		if iv.Lo <= p && p <= iv.Hi {
			covered++
		}
	}
	rate := float64(covered) / sims
	t.Logf("coverage %.3f", rate)
	if rate < 0.88 || rate > 0.985 {
		t.Errorf("coverage %.3f, want about 0.95 (0.88..0.985)", rate)
	}
}

// Two items scored 0 and 1 under two identical seeds. Crossed, one item
// draw serves both seeds: the mean is 0, 1/2, 1 with probabilities 1/4,
// 1/2, 1/4, so the 80% interval (quantiles 0.1 and 0.9) is [0, 1]. Nested,
// each seed slot draws its own two items: the mean of four fair coins is
// 0, 1/4, ..., 1 with probabilities 1, 4, 6, 4, 1 sixteenths, so the 80%
// interval is [1/4, 3/4]: the item level counts once per seed.
func TestRunNestedHandComputed(t *testing.T) {
	x := [][]float64{{0, 1}, {0, 1}}
	stat := func(d Draw) float64 {
		s, n := 0.0, 0
		for j, seed := range d.Seeds[0] {
			for _, i := range d.ItemsAt(j) {
				s += x[seed][i]
				n++
			}
		}
		return s / float64(n)
	}
	for _, c := range []struct {
		nested   bool
		wlo, whi float64
	}{{false, 0, 1}, {true, 0.25, 0.75}} {
		d := Design{Items: 2, Seeds: []int{2}, Nested: c.nested}
		iv, err := Run(d, Options{B: 20000, Level: 0.8, Seed: 3}, stat)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Estimate != 0.5 || iv.Lo != c.wlo || iv.Hi != c.whi {
			t.Errorf("nested %v: %v [%v, %v], want 0.5 [%v, %v]", c.nested, iv.Estimate, iv.Lo, iv.Hi, c.wlo, c.whi)
		}
	}
}

// A nested draw gives every seed slot its own items, and its identity draw
// reproduces the data in every slot.
func TestNestedIdentityAndSlots(t *testing.T) {
	d := Design{Items: 3, Seeds: []int{2, 3}, Nested: true}
	id := d.Identity()
	if len(id.SlotItems) != 3 {
		t.Fatalf("%d slots, want 3 (the most seeds of any group)", len(id.SlotItems))
	}
	for j := range 3 {
		for i, v := range id.ItemsAt(j) {
			if v != i {
				t.Fatalf("identity slot %d: %v", j, id.ItemsAt(j))
			}
		}
	}
	differ := false
	_, err := Run(d, Options{B: 50, Seed: 1}, func(dr Draw) float64 {
		for i := range dr.ItemsAt(0) {
			differ = differ || dr.ItemsAt(0)[i] != dr.ItemsAt(2)[i]
		}
		return 0
	})
	if err != nil {
		t.Fatal(err)
	}
	if !differ {
		t.Error("every slot drew the same items in 50 resamples: items are not redrawn per seed")
	}
}
