package bootstrap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Options of a bootstrap run. Zero values mean B = 2000, Level = 0.95.
type Options struct {
	B     int     // number of resamples
	Level float64 // two-sided confidence level, in (0, 1)
	Seed  uint64
}

// Design says what is resampled. Items are shared by every group and seed
// (the evaluation questions every model answered), so one item draw serves
// them all and paired comparisons stay paired. With Strata (e.g. the task of
// each item) items are resampled within their stratum, keeping every
// stratum's size. Each group (e.g. model family) has Seeds[g] seeds,
// resampled independently per group: a crossed two-level bootstrap (seeds,
// then items). With Nested, the bootstrap is hierarchical: seeds are
// resampled, then items afresh within each drawn seed (slot j of every
// group shares one item draw, so paired comparisons stay paired); the item
// level then counts once per seed, as when each seed's evaluation were an
// independent sample of items. With few seeds (3) the seed level
// under-covers; it still widens the interval by the seed-to-seed spread.
type Design struct {
	Items  int
	Strata []int // stratum of each item; nil means one stratum
	Seeds  []int // number of seeds of each group; nil means one group, one seed
	Nested bool  // items redrawn within each drawn seed (hierarchical)
}

// Draw is one resample: indices of the original items, and of each group's
// seeds. With a nested design SlotItems[j] is the item draw of seed slot j
// (Items is SlotItems[0]); use ItemsAt. A statistic must not keep it: Run
// reuses it.
type Draw struct {
	Items     []int
	Seeds     [][]int
	SlotItems [][]int
}

// ItemsAt returns the items drawn for seed slot j: Items for a crossed
// design, the slot's own draw for a nested one.
func (dr Draw) ItemsAt(j int) []int {
	if j < len(dr.SlotItems) {
		return dr.SlotItems[j]
	}
	return dr.Items
}

// Interval is a percentile bootstrap confidence interval.
type Interval struct {
	Estimate float64 // the statistic on the original data
	Lo, Hi   float64 // NaN when more than (1-Level)/2 of the resamples were undefined
	Level    float64
	B        int // resamples drawn
	Valid    int // resamples whose statistic was finite
}

// Identity returns the draw that reproduces the original data.
func (d Design) Identity() Draw {
	dr := Draw{Items: seq(d.Items)}
	slots := 0
	for _, n := range d.groups() {
		dr.Seeds = append(dr.Seeds, seq(n))
		slots = max(slots, n)
	}
	if d.Nested {
		dr.SlotItems = [][]int{dr.Items}
		for range slots - 1 {
			dr.SlotItems = append(dr.SlotItems, seq(d.Items))
		}
	}
	return dr
}

// Run evaluates stat on the original data and on opt.B resamples, and returns
// the percentile interval of the resampled values. Resamples where stat is
// not finite (e.g. a ratio whose denominator was resampled to 0) are dropped
// and counted; if they exceed (1-Level)/2 of B, a tail cannot be placed and
// Lo and Hi are NaN. Items and seeds draw from separate random streams, so
// adding a seed level leaves the item draws unchanged.
func Run(d Design, opt Options, stat func(Draw) float64) (Interval, error) {
	opt, strata, err := d.prepare(opt)
	if err != nil {
		return Interval{}, err
	}
	iv := Interval{Estimate: stat(d.Identity()), Level: opt.Level, B: opt.B}
	itemRNG := rand.New(rand.NewPCG(opt.Seed, 1))
	seedRNG := rand.New(rand.NewPCG(opt.Seed, 2))
	dr := d.Identity()
	vals := make([]float64, 0, opt.B)
	for range opt.B {
		for g, n := range d.groups() {
			for j := range dr.Seeds[g] {
				dr.Seeds[g][j] = seedRNG.IntN(n)
			}
		}
		draws := [][]int{dr.Items}
		if d.Nested {
			draws = dr.SlotItems
		}
		for _, items := range draws {
			for _, members := range strata {
				for _, pos := range members {
					items[pos] = members[itemRNG.IntN(len(members))]
				}
			}
		}
		if v := stat(dr); !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
		}
	}
	iv.Valid = len(vals)
	iv.Lo, iv.Hi = math.NaN(), math.NaN()
	if float64(opt.B-iv.Valid) <= (1-opt.Level)/2*float64(opt.B) && iv.Valid > 0 {
		iv.Lo, iv.Hi = Percentile(vals, opt.Level)
	}
	return iv, nil
}

// Percentile returns the (1-level)/2 and (1+level)/2 empirical quantiles of
// xs: the smallest values at or above those fractions of the sample (gonum
// stat.Empirical). xs is sorted in place.
func Percentile(xs []float64, level float64) (lo, hi float64) {
	slices.Sort(xs)
	return stat.Quantile((1-level)/2, stat.Empirical, xs, nil), stat.Quantile((1+level)/2, stat.Empirical, xs, nil)
}

func (d Design) groups() []int {
	if d.Seeds == nil {
		return []int{1}
	}
	return d.Seeds
}

// prepare fills defaults, validates, and lists each stratum's item positions.
func (d Design) prepare(opt Options) (Options, [][]int, error) {
	if opt.B == 0 {
		opt.B = 2000
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	switch {
	case opt.B < 1:
		return opt, nil, fmt.Errorf("bootstrap: B = %d resamples; use at least 1 (2000 is the default)", opt.B)
	case !(opt.Level > 0 && opt.Level < 1):
		return opt, nil, fmt.Errorf("bootstrap: level %v is not in (0, 1); e.g. 0.95", opt.Level)
	case d.Items < 1:
		return opt, nil, fmt.Errorf("bootstrap: no items to resample")
	case d.Strata != nil && len(d.Strata) != d.Items:
		return opt, nil, fmt.Errorf("bootstrap: %d strata labels for %d items", len(d.Strata), d.Items)
	}
	for g, n := range d.Seeds {
		if n < 1 {
			return opt, nil, fmt.Errorf("bootstrap: group %d has %d seeds", g, n)
		}
	}
	byLabel := map[int][]int{}
	labels := []int{}
	for i := range d.Items {
		l := 0
		if d.Strata != nil {
			l = d.Strata[i]
		}
		if _, ok := byLabel[l]; !ok {
			labels = append(labels, l)
		}
		byLabel[l] = append(byLabel[l], i)
	}
	strata := make([][]int, len(labels)) // in order of first appearance: deterministic
	for j, l := range labels {
		strata[j] = byLabel[l]
	}
	return opt, strata, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
