package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/plots"
)

// Fig. 4 of the paper: ICL is an emergent ability; the ICL gain of Mamba,
// Mamba-2 and Transformers grows with model size. Kind "icl" (stage
// pretrained) writes one summary.ICL per (model, seed).

func init() {
	Register(Experiment{Name: "icl_scale", Order: 60, Build: buildICLScale, Placeholder: []Claim{iclScaleClaim()}})
}

func iclScaleClaim() Claim {
	return Claim{ID: "fig4-icl-scale", Title: "Fig. 4: ICL is an emergent ability: the ICL gain grows with model size",
		Paper:   "averaged over standard benchmarks, the ICL improvement over zero-shot of pretrained Mamba, Mamba-2 and Transformers of several families grows with model size",
		Figures: []string{"fig4_icl_scale"}, Tables: []string{"fig4_icl_scale"}}
}

// iclSeries are the models of one family (and stage), by size.
type iclSeries struct {
	family, stage string
	models        []*iclModel // increasing params
}

func scaleSeries(models []*iclModel) []iclSeries {
	stages := map[string]bool{}
	for _, m := range models {
		stages[m.stage] = true
	}
	var out []iclSeries
	idx := map[[2]string]int{}
	for _, m := range models { // sorted by family, then params
		k := [2]string{m.family, m.stage}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, iclSeries{family: m.family, stage: m.stage})
		}
		out[i].models = append(out[i].models, m)
	}
	return out
}

func (s iclSeries) label(multiStage bool) string {
	if multiStage {
		return s.family + " (" + s.stage + ")"
	}
	return s.family
}

func multiStage(ss []iclSeries) bool {
	for _, s := range ss {
		if s.stage != ss[0].stage {
			return true
		}
	}
	return false
}

func iclScaleFigure(ss []iclSeries, ks []int) plots.Figure {
	ms := multiStage(ss)
	gain := plots.Panel{Title: "ICL gain vs model size", Note: fmt.Sprintf("mean over k in %s of acc_k − acc_0\nbands (whiskers at one size): 95%% bootstrap CI", intSet(ks)),
		XLabel: "parameters (log)", YLabel: "ICL gain (pp)", LogX: true, HLines: []plots.HLine{{Y: 0}}}
	acc := plots.Panel{Title: "Accuracy vs model size", Note: "solid, dots: mean over k > 0\ndashed, rings: zero-shot",
		XLabel: "parameters (log)", YLabel: "accuracy (%)", LogX: true, HLines: []plots.HLine{{Y: chancePct, Label: "chance (1 in 4)"}}}
	for _, s := range ss {
		c := familyColor(s.family)
		g := plots.Series{Label: s.label(ms), Color: c, Points: false, Dashed: s.stage == "instruct"}
		few := plots.Series{Label: s.label(ms), Color: c}
		zero := plots.Series{Color: c, Dashed: true, Marker: "ring"}
		for _, m := range s.models {
			g.X, g.Y, g.Lo, g.Hi = append(g.X, m.params), append(g.Y, 100*m.gain.Estimate), append(g.Lo, 100*m.gain.Lo), append(g.Hi, 100*m.gain.Hi)
			few.X, few.Y = append(few.X, m.params), append(few.Y, 100*meanAcc(m, ks))
			zero.X, zero.Y = append(zero.X, m.params), append(zero.Y, 100*meanAcc(m, []int{0}))
		}
		g.Lo, g.Hi = dropNaN(g.Lo), dropNaN(g.Hi)
		// One size: a band has no width and a line no length; show a dot
		// with an error bar instead.
		if len(s.models) == 1 {
			g.Points, g.NoLine = true, true
		}
		few.Points, zero.Points = true, true
		gain.Series = append(gain.Series, g)
		acc.Series = append(acc.Series, few, zero)
	}
	return plots.Figure{Name: "fig4_icl_scale", Cols: 2, Panels: []plots.Panel{gain, acc},
		Caption: "ICL gain (left) and k-shot and zero-shot accuracy (right) of pretrained models against parameter count, one colour per family"}
}

// meanAcc is the mean over ks of a model's acc_k (NaN if one is missing).
func meanAcc(m *iclModel, ks []int) float64 {
	if len(ks) == 0 {
		return math.NaN()
	}
	t := 0.0
	for _, k := range ks {
		iv, ok := m.acc[k]
		if !ok {
			return math.NaN()
		}
		t += iv.Estimate
	}
	return t / float64(len(ks))
}

func iclScaleTable(ss []iclSeries, ks []int) plots.Table {
	t := plots.Table{Name: "fig4_icl_scale",
		Caption: "Fig. 4 (reproduction): ICL gain of each model by size (95% bootstrap CIs over items and seeds)",
		Header:  []string{"model", "family", "stage", "params", "seeds", "items", "acc k=0 (%)", "mean acc k>0 (%)", "ICL gain (pp)"}}
	for _, s := range ss {
		for _, m := range s.models {
			t.Rows = append(t.Rows, []string{m.name, m.family, m.stage, humanCount(m.params), fmt.Sprint(len(m.seeds)), fmt.Sprint(m.synthItems),
				fmtFixed(100*meanAcc(m, []int{0}), 1), fmtFixed(100*meanAcc(m, ks), 1), gainText(m.gain)})
		}
	}
	t.Notes = []string{fmt.Sprintf("ICL gain = mean over k ∈ %s of acc_k − acc_0 in percentage points; chance accuracy is %.0f%%.", intSet(ks), chancePct)}
	return t
}

// growth is how one family's gain changes from its smallest to its largest
// model: the paired bootstrap interval of the difference, and the slope of
// the gain (pp) per decade of parameters (least squares over its sizes).
type growth struct {
	series       iclSeries
	diff         bootstrap.Interval // gain(largest) − gain(smallest), fraction
	slope        float64            // pp per decade
	increases, n int                // successive sizes whose gain rose
	err          error
}

func (g growth) grows() bool   { return g.err == nil && g.diff.Lo > 0 }
func (g growth) shrinks() bool { return g.err == nil && g.diff.Hi < 0 }

func growthOf(s iclSeries, ks []int, opt bootstrap.Options) growth {
	g := growth{series: s, diff: nanInterval(), slope: math.NaN(), n: len(s.models) - 1}
	small, large := s.models[0], s.models[len(s.models)-1]
	g.diff, g.err = gainDiffCI(small, large, ks, opt)
	var xs, ys []float64
	for i, m := range s.models {
		xs, ys = append(xs, math.Log10(m.params)), append(ys, 100*m.gain.Estimate)
		if i > 0 && m.gain.Estimate > s.models[i-1].gain.Estimate {
			g.increases++
		}
	}
	g.slope = olsSlope(xs, ys)
	return g
}

func olsSlope(xs, ys []float64) float64 {
	mx, my := spreadOf(xs).Mean, spreadOf(ys).Mean
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// scaleVerdict judges "the ICL gain grows with size" from the families with
// at least two sizes:
//   - not run when no family has two sizes;
//   - inconclusive at this scale when no model's gain has a 95% CI above 0
//     (no ICL learned);
//   - reproduces when every such family's gain grows significantly from its
//     smallest to its largest model (the paired bootstrap CI of the
//     difference lies above 0);
//   - partly when some do;
//   - does not when none does.
func scaleVerdict(gs []growth, anyICL bool) string {
	switch {
	case len(gs) == 0:
		return NotRun
	case !anyICL:
		return Inconclusive
	}
	n := 0
	for _, g := range gs {
		if g.grows() {
			n++
		}
	}
	return tally(n, len(gs))
}

func iclScaleClaimFrom(ss []iclSeries, ks []int, opt bootstrap.Options) Claim {
	c := iclScaleClaim()
	var gs []growth
	anyICL := false
	var parts []string
	for _, s := range ss {
		for _, m := range s.models {
			anyICL = anyICL || m.gain.Lo > 0
		}
		if len(s.models) < 2 {
			m := s.models[0]
			parts = append(parts, fmt.Sprintf("%s: one size (%s, gain %s)", s.label(multiStage(ss)), humanCount(m.params), gainText(m.gain)))
			continue
		}
		g := growthOf(s, ks, opt)
		gs = append(gs, g)
		trend := "no significant change"
		switch {
		case g.grows():
			trend = "grows"
		case g.shrinks():
			trend = "shrinks"
		case g.err != nil:
			trend = "cannot be compared (" + g.err.Error() + ")"
		}
		small, large := s.models[0], s.models[len(s.models)-1]
		parts = append(parts, fmt.Sprintf("%s %s: %s at %s → %s at %s, difference %s, slope %s pp/decade, %d of %d steps up",
			s.label(multiStage(ss)), trend, gainText(small.gain), humanCount(small.params), gainText(large.gain), humanCount(large.params),
			gainText(g.diff), fmtFixed(g.slope, 2), g.increases, g.n))
	}
	c.Verdict = scaleVerdict(gs, anyICL)
	c.Ours = strings.Join(parts, "; ")
	switch c.Verdict {
	case NotRun:
		c.Notes = append(c.Notes, "No family was run at two or more sizes, so no trend can be measured (the quick profile runs only the small models).")
	case Inconclusive:
		c.Ours = "no model learned ICL (every gain's 95% CI reaches 0): " + c.Ours
	}
	var names []string
	for _, s := range ss {
		for _, m := range s.models {
			names = append(names, fmt.Sprintf("%s (%s)", m.name, humanCount(m.params)))
		}
	}
	c.Setting = fmt.Sprintf("models %s; gain over k ∈ %s on the built-in suite's held-out-function tasks", strings.Join(names, ", "), intSet(ks))
	c.Notes = append(c.Notes,
		"Rule: for every family with two or more sizes, the gain of its largest model minus that of its smallest, with a paired bootstrap 95% CI (items drawn once for both, seeds per model). Reproduces if every family's difference lies above 0, partly if some do, does not if none does; inconclusive at this scale when no model's gain lies above 0 (no ICL learned). The least-squares slope per decade of parameters and the count of successive increases (monotonicity) are reported beside it.",
		"Figure `fig4_icl_scale`: left, ICL gain against parameter count (log axis) with 95% CI bands; right, mean k-shot (solid) and zero-shot (dashed) accuracy with the chance line.")
	return c
}

func buildICLScale(rs []store.Result, out Out) ([]Claim, error) {
	sums, err := decodeSummaries[summary.ICL](rs)
	if err != nil {
		return nil, err
	}
	models, notes := collectICL(sums)
	ks := commonKs(models)
	opt := bootOptions(rs)
	computeICL(models, ks, opt)
	ss := scaleSeries(models)
	if err := iclScaleFigure(ss, ks).Write(out.Figures); err != nil {
		return nil, err
	}
	if err := iclScaleTable(ss, ks).Write(out.Tables); err != nil {
		return nil, err
	}
	c := iclScaleClaimFrom(ss, ks, opt)
	c.Notes = append(c.Notes, notes...)
	return []Claim{c}, nil
}
