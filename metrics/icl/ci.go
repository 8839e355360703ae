package icl

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// GainCI returns the ICL gain over ks with a bootstrap interval that
// resamples seeds, then items within each drawn seed (within strata, e.g.
// tasks, when strata is not nil): a hierarchical bootstrap; items keep their pairing across k. Estimate equals Gain(s.Curve(), ks).
func GainCI(s Scores, ks []int, strata []int, opt bootstrap.Options) (bootstrap.Interval, error) {
	g, err := itemGains(s, ks)
	if err != nil {
		return bootstrap.Interval{}, err
	}
	d := bootstrap.Design{Items: len(g[0]), Strata: strata, Seeds: []int{len(g)}, Nested: true}
	return bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 { return drawMean(g, dr.Seeds[0], dr) })
}

// RatioCI returns the ICL ratio 100*gain(a)/gain(b) with a bootstrap
// interval. a and b must be scored on the same items in the same order: one
// item draw serves both (a paired comparison); each model's seeds are
// resampled independently. Resamples where gain(b) <= 0 are undefined and
// dropped; if more than (1-Level)/2 of them are, the interval is NaN (see
// bootstrap.Run). The Ratio is the point estimate with its definedness.
func RatioCI(a, b Scores, ks []int, strata []int, opt bootstrap.Options) (bootstrap.Interval, Ratio, error) {
	ga, err := itemGains(a, ks)
	if err != nil {
		return bootstrap.Interval{}, Ratio{}, err
	}
	gb, err := itemGains(b, ks)
	if err != nil {
		return bootstrap.Interval{}, Ratio{}, err
	}
	if len(ga[0]) != len(gb[0]) {
		return bootstrap.Interval{}, Ratio{}, fmt.Errorf("icl: the two models were scored on %d and %d items; the ratio's interval pairs items, so score both on the same items", len(ga[0]), len(gb[0]))
	}
	d := bootstrap.Design{Items: len(ga[0]), Strata: strata, Seeds: []int{len(ga), len(gb)}, Nested: true}
	iv, err := bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 {
		return RatioOf(drawMean(ga, dr.Seeds[0], dr), drawMean(gb, dr.Seeds[1], dr)).Percent
	})
	all := d.Identity()
	return iv, RatioOf(drawMean(ga, all.Seeds[0], all), drawMean(gb, all.Seeds[1], all)), err
}

// AccuracyCI returns acc_k with a bootstrap interval over items and seeds.
func AccuracyCI(s Scores, k int, strata []int, opt bootstrap.Options) (bootstrap.Interval, error) {
	if _, _, err := s.Dims(); err != nil {
		return bootstrap.Interval{}, err
	}
	rows, ok := s[k]
	if !ok {
		return bootstrap.Interval{}, fmt.Errorf("icl: no %d-shot scores", k)
	}
	d := bootstrap.Design{Items: len(rows[0]), Strata: strata, Seeds: []int{len(rows)}, Nested: true}
	return bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 { return drawMean(rows, dr.Seeds[0], dr) })
}

// itemGains returns g[s][i] = mean_{k in ks, k != 0} (S[k][s][i] - S[0][s][i]),
// item i's gain under seed s. The gain is linear in the scores, so a
// resample's gain is the mean of g over its seeds and items.
func itemGains(s Scores, ks []int) ([][]float64, error) {
	seeds, items, err := s.Dims()
	if err != nil {
		return nil, err
	}
	acc := map[int]float64{}
	for k := range s {
		acc[k] = 0
	}
	if _, err := Gain(acc, ks); err != nil { // the same k checks as Gain
		return nil, err
	}
	g := make([][]float64, seeds)
	for j := range g {
		g[j] = make([]float64, items)
		n := 0.0
		for _, k := range ks {
			if k == 0 {
				continue
			}
			n++
			for i := range items {
				g[j][i] += s[k][j][i] - s[0][j][i]
			}
		}
		for i := range g[j] {
			g[j][i] /= n
		}
	}
	return g, nil
}

// drawMean is the mean of x[s][i] over the drawn seeds and, for each seed
// slot, its drawn items (hierarchical: items redrawn within each seed).
func drawMean(x [][]float64, seeds []int, dr bootstrap.Draw) float64 {
	t, n := 0.0, 0
	for j, s := range seeds {
		row := x[s]
		items := dr.ItemsAt(j)
		for _, i := range items {
			t += row[i]
		}
		n += len(items)
	}
	return t / float64(n)
}
