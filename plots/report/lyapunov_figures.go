package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ssmlab/ssmlab/metrics/stats"
	"github.com/ssmlab/ssmlab/models"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/plots"
)

// lyapColors gives each subject one colour in every panel (plots.Palette:
// Okabe-Ito), the families the colours they have in every other figure
// (familyColors), init and trained alike; others get one by hash.
var lyapColors = map[string]int{
	"Mamba": 0, "Mamba-2": 2, "Mamba LM": 5, "GPT-NeoX": 1, "GPT-NeoX (Pythia)": 1, "Llama": 3,
	"RNN ρ=2": 6, "RNN ρ=1": 4, "RNN ρ=0.5": 7,
}

func lyapColor(label string) int {
	for _, suffix := range []string{" (init)", " (trained)"} {
		label = strings.TrimSuffix(label, suffix)
	}
	if c, ok := lyapColors[label]; ok {
		return c
	}
	h := 0
	for _, r := range label {
		h = h*31 + int(r)
	}
	return ((h % len(plots.Palette)) + len(plots.Palette)) % len(plots.Palette)
}

// lyapMarker tells a trained subject from the same family at init, which
// share a colour: circles at init, squares trained.
func lyapMarker(t lyapTrial) string {
	if t.s.Trained {
		return "square"
	}
	return "circle"
}

// epsColumns picks the perturbation sizes the deviation figure shows: the
// fp16 and bf16 roundings when the trials ran them, else the first two.
func epsColumns(ts []lyapTrial) []string {
	if len(ts) == 0 {
		return nil
	}
	names := ts[0].s.Settings.EpsNames
	var cols []string
	for _, want := range []string{"fp16", "bf16"} {
		if slices.Contains(names, want) {
			cols = append(cols, want)
		}
	}
	if len(cols) == 0 {
		cols = names[:min(2, len(names))]
	}
	return cols
}

func epsTitle(name string) string {
	switch name {
	case "fp16":
		return "ε = 2^-11 (fp16 rounding)"
	case "bf16":
		return "ε = 2^-8 (bf16 rounding)"
	}
	return "ε = " + name
}

// curveSeries draws a deviation curve: the median over units, with band
// the 10-90% range, cut where the median first reaches the rounding floor.
func curveSeries(c summary.DeviationCurve, label string, color int, band bool) plots.Series {
	s := plots.Series{Label: label, Color: color}
	for i, n := range c.N {
		m := float64(c.Median[i])
		if !(m > float64(c.Floor)) {
			break
		}
		s.X, s.Y = append(s.X, float64(n)), append(s.Y, m)
		s.Lo, s.Hi = append(s.Lo, math.Max(float64(c.P10[i]), float64(c.Floor))), append(s.Hi, float64(c.P90[i]))
	}
	if c.Units < 2 || !band {
		s.Lo, s.Hi = nil, nil
	}
	return s
}

// shortLabel drops "(init)" from a legend label: fresh initialisations
// are the default; "(trained)" stays.
func shortLabel(l string) string { return strings.TrimSuffix(l, " (init)") }

// layerSubject reports whether a trial's layer units go in the figures:
// random single layers (one-layer draws) and trained models; the layers
// of random multi-layer models repeat the random-layer population.
func layerSubject(t lyapTrial) bool {
	return t.s.Stats.Layers > 0 && (t.s.LayersPerDraw == 1 || t.s.Trained)
}

func findCurve(t lyapTrial, kind, quantity, eps string) (summary.DeviationCurve, bool) {
	for _, c := range t.s.Curves {
		if c.Kind == kind && c.Quantity == quantity && c.EpsName == eps {
			return c, true
		}
	}
	return summary.DeviationCurve{}, false
}

func unitWord(t lyapTrial, kind string) string {
	switch {
	case kind == summary.UnitLayer:
		return "layers"
	case models.IsKind(t.s.Arch, models.Recurrent):
		return "nets"
	case t.s.Stats.Layers > 0:
		return "stacks"
	}
	return "models"
}

// lyapDeviationFigure: max|δ| against N, one column per ε; rows: the
// recurrent state of single SSM layers and of the RNN (with the bound),
// the SSM layers' output, and whole models' logits.
func lyapDeviationFigure(ts []lyapTrial) plots.Figure {
	cols := epsColumns(ts)
	type pick func(t lyapTrial) (kind, quantity string, ok bool)
	rows := []struct {
		title, ylabel string
		pick          pick
	}{
		{"recurrent state", "max |δ state| (log scale)", func(t lyapTrial) (string, string, bool) {
			if models.IsKind(t.s.Arch, models.Recurrent) {
				return summary.UnitModel, summary.QuantityState, true
			}
			return summary.UnitLayer, summary.QuantityState, layerSubject(t)
		}},
		{"SSM layer output", "max |δ layer output| (log scale)", func(t lyapTrial) (string, string, bool) {
			return summary.UnitLayer, summary.QuantityOutput, layerSubject(t)
		}},
		{"whole-model logits", "max |δ logit| (log scale)", func(t lyapTrial) (string, string, bool) {
			return summary.UnitModel, summary.QuantityOutput, t.s.Stats.Models > 0
		}},
		{"SSM layer output, noise at every token", "max |δ layer output| (log scale)", func(t lyapTrial) (string, string, bool) {
			return summary.UnitLayer, summary.QuantityEveryOutput, layerSubject(t)
		}},
		{"whole-model logits, noise at every token", "max |δ logit| (log scale)", func(t lyapTrial) (string, string, bool) {
			return summary.UnitModel, summary.QuantityEveryOutput, t.s.Stats.Models > 0
		}},
	}
	f := plots.Figure{Name: "lyapunov_deviation", Cols: len(cols), Width: 6.5 * float64(len(cols)),
		Caption: "Deviation after perturbing state and input by ±ε at t0 (N = 0), against the steps after the perturbation N. " +
			"Rows: the state of single SSM layers (Theorem 1's max|F^N(x,u) − F^N(x+ε,u+ε)|) and of the tanh RNN control; the SSM layers' outputs; " +
			"the logits of whole models after perturbing one input embedding (Transformers have no fixed-size state); " +
			"the last two rows: the same outputs under fresh ±ε noise on every token's input from t0 on (rounding-like noise at every step; a deviation that levels off is bounded). " +
			"Lines: median over units (layers, models or RNN draws; the count in the legend); bands (SSM layers): 10th–90th percentiles; dashed: the bound C·ε·e^{Nζ} with ζ the largest exact exponent and C the largest constant over the layers. " +
			"Curves stop where they reach float32 rounding noise."}
	for _, r := range rows {
		var row []plots.Panel
		for _, eps := range cols {
			p := plots.Panel{Title: r.title + ", " + epsTitle(eps), XLabel: "steps after perturbation N (tokens)", YLabel: r.ylabel, LogY: true,
				Note: "solid: at init; dotted: trained; dashed: bound C·ε·e^{Nζ}"}
			var bounds []plots.Series
			for _, t := range ts {
				kind, q, ok := r.pick(t)
				c, found := findCurve(t, kind, q, eps)
				if !ok || !found {
					continue
				}
				color := lyapColor(t.s.Label)
				label := fmt.Sprintf("%s %s (%d)", shortLabel(t.s.Label), unitWord(t, kind), c.Units)
				cs := curveSeries(c, label, color, kind == summary.UnitLayer)
				cs.Dotted = t.s.Trained // same family, same colour: init solid, trained dotted
				p.Series = append(p.Series, cs)
				if kind == summary.UnitLayer && q == summary.QuantityState && !math.IsNaN(float64(c.ZetaMax)) {
					bounds = append(bounds, boundSeries(c, t.s.Label, color))
				}
			}
			p.Series = append(p.Series, bounds...)
			if len(p.Series) > 0 {
				row = append(row, p)
			}
		}
		if len(row) == len(cols) { // a row without data (no such subjects) is left out
			f.Panels = append(f.Panels, row...)
		}
	}
	f.Height = 4.2 * float64(max(1, len(f.Panels)/max(1, len(cols))))
	return f
}

// boundSeries is C·ε·e^{Nζ} over the curve's N, dashed.
func boundSeries(c summary.DeviationCurve, label string, color int) plots.Series {
	s := plots.Series{Label: fmt.Sprintf("bound %s: C=%s, ζ=%s", shortLabel(label), g3(c.CMax), g3(c.ZetaMax)), Dashed: true, Color: color}
	for _, n := range c.N {
		s.X, s.Y = append(s.X, float64(n)), append(s.Y, c.BoundAt(n))
	}
	return s
}

// lyapExponentsFigure: the exact ζ of every layer, QR against exact, and
// QR's error against the run length.
func lyapExponentsFigure(ts []lyapTrial) plots.Figure {
	zeta := plots.Panel{Title: "exact maximal exponent of every layer", Note: "circles: at init; squares: trained", XLabel: "layer (sorted by −ζ)", YLabel: "decay rate −ζ per token (log scale)", LogY: true}
	scatter := plots.Panel{Title: "QR against the exact spectrum", Note: "leading exponents, longest run", XLabel: "−λ exact per token (log scale)", YLabel: "−λ by QR per token (log scale)", LogX: true, LogY: true}
	errs := plots.Panel{Title: "QR error against run length", XLabel: "steps averaged T (log scale)", YLabel: "max |λ_QR − λ_exact| (log scale)", LogX: true, LogY: true}
	var notes []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range ts {
		if !layerSubject(t) {
			continue
		}
		color := lyapColor(t.s.Label)
		var z []float64
		for _, u := range t.s.Units {
			if u.Kind == summary.UnitLayer && !math.IsNaN(float64(u.Zeta)) {
				z = append(z, -float64(u.Zeta))
			}
		}
		slices.Sort(z)
		s := plots.Series{Label: fmt.Sprintf("%s (%d layers)", shortLabel(t.s.Label), len(z)), Points: true, NoLine: true, Color: color, Marker: lyapMarker(t)}
		for i, v := range z {
			s.X, s.Y = append(s.X, float64(i+1)), append(s.Y, v)
		}
		zeta.Series = append(zeta.Series, s)
		notes = append(notes, fmt.Sprintf("%s %d/%d", shortLabel(t.s.Label), t.s.Stats.NonPositive, t.s.Stats.Layers))

		sc := plots.Series{Label: shortLabel(t.s.Label) + " layers", Points: true, NoLine: true, Color: color, Marker: lyapMarker(t)}
		for _, u := range t.s.Units {
			if u.Kind != summary.UnitLayer || len(u.QR) == 0 {
				continue
			}
			q := u.QR[len(u.QR)-1]
			for i := range q.Exact {
				x, y := -float64(q.Exact[i]), -float64(q.Exponents[i])
				sc.X, sc.Y = append(sc.X, x), append(sc.Y, y)
				lo, hi = math.Min(lo, math.Min(x, y)), math.Max(hi, math.Max(x, y))
			}
		}
		if len(sc.X) > 0 {
			scatter.Series = append(scatter.Series, sc)
		}
		if e := qrErrorSeries(t, color); len(e.X) > 0 {
			errs.Series = append(errs.Series, e)
		}
	}
	zeta.Note = wrapList("ζ ≤ 0 on: ", notes, 44)
	if lo < hi {
		scatter.Series = append(scatter.Series, plots.Series{Label: "QR = exact", X: []float64{lo, hi}, Y: []float64{lo, hi}, Dashed: true, Color: 6})
	}
	if len(errs.Series) > 0 {
		first := errs.Series[0]
		ref := plots.Series{Label: "∝ 1/T", Dashed: true, Color: 6}
		for _, x := range first.X {
			ref.X, ref.Y = append(ref.X, x), append(ref.Y, first.Y[0]*first.X[0]/x)
		}
		errs.Series = append(errs.Series, ref)
	}
	return plots.Figure{Name: "lyapunov_exponents", Cols: 3, Width: 15, Height: 5, Panels: []plots.Panel{zeta, scatter, errs},
		Caption: "Left: the exact maximal Lyapunov exponent ζ = max A·mean Δ of every random layer along its input, as a decay rate −ζ (Theorem 1: ζ ≤ 0; a layer with ζ ≥ 0 could not appear on this axis and is counted in the panel's title). " +
			"Middle: the leading exponents by Benettin/QR (Jacobian-vector products of the layer's full state map, conv shift register included; averaged over the second half of the longest run) against the exact ones over the same steps. " +
			"Right: QR's largest error over the leading exponents (median over layers, bars: 10th–90th percentiles) against the steps averaged, with a 1/T reference."}
}

// qrErrorSeries is the median (and 10-90% range) over a trial's layers of
// QR's max error at each run length.
func qrErrorSeries(t lyapTrial, color int) plots.Series {
	by := map[int][]float64{}
	for _, u := range t.s.Units {
		if u.Kind != summary.UnitLayer {
			continue
		}
		for _, q := range u.QR {
			if !math.IsNaN(float64(q.MaxErr)) {
				by[q.Steps] = append(by[q.Steps], float64(q.MaxErr))
			}
		}
	}
	steps := make([]int, 0, len(by))
	for k := range by {
		steps = append(steps, k)
	}
	slices.Sort(steps)
	s := plots.Series{Label: shortLabel(t.s.Label) + " layers", Points: true, Color: color, Marker: lyapMarker(t), Dotted: t.s.Trained}
	for _, k := range steps {
		v := by[k]
		s.X, s.Y = append(s.X, float64(k)), append(s.Y, stats.Quantile(v, 0.5))
		s.Lo, s.Hi = append(s.Lo, stats.Quantile(v, 0.1)), append(s.Hi, stats.Quantile(v, 0.9))
	}
	return s
}

// wrapList joins prefix and items with ", " into lines of at most width
// runes where it can (an item longer than a line gets one of its own), so
// a panel's note stays inside the panel.
func wrapList(prefix string, items []string, width int) string {
	var lines []string
	cur := prefix
	for i, it := range items {
		sep := ""
		if i < len(items)-1 {
			sep = ","
		}
		switch {
		case cur == prefix || cur == "":
			cur += it + sep
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(it+sep) <= width:
			cur += " " + it + sep
		default:
			lines = append(lines, cur)
			cur = it + sep
		}
	}
	return strings.Join(append(lines, cur), "\n")
}
