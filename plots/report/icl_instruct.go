package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/plots"
)

// Fig. 3 of the paper: k-shot accuracy of pretrained and instruction-tuned
// models, and the ICL ratios 100·gain(model)/gain(Transformer): 38%
// (pretrained Mamba), 82% (pretrained Mamba-2), 81% and 132% after
// instruction tuning. Kind "icl" writes one summary.ICL per (model, stage,
// seed).

func init() {
	var ph []Claim
	for _, c := range ratioClaims {
		ph = append(ph, c.claim())
	}
	for _, d := range directionClaims {
		ph = append(ph, d.claim())
	}
	Register(Experiment{Name: "icl_instruct", Order: 50, Build: buildICLInstruct, Placeholder: ph})
}

// chance is the accuracy of a guess among the built-in suite's 4 choices.
const chancePct = 25.0

// ratioClaim is one of the paper's ICL ratios.
type ratioClaim struct {
	id, title, paper string
	arch, stage      string
	value            float64 // percent
}

var ratioClaims = []ratioClaim{
	{"fig3-ratio-mamba-pretrained", "Fig. 3: pretrained Mamba reaches 38% of the Transformer's ICL gain",
		"pretrained Mamba gets 38% of the improvement over zero-shot that comparable Transformers (Pythia) get from in-context examples", "mamba", "pretrained", 38},
	{"fig3-ratio-mamba2-pretrained", "Fig. 3: pretrained Mamba-2 reaches 82% of the Transformer's ICL gain",
		"pretrained Mamba-2 gets 82% of the ICL improvement of comparable Transformers", "mamba2", "pretrained", 82},
	{"fig3-ratio-mamba-instruct", "Fig. 3: instruction-tuned Mamba reaches 81% of the Transformer's ICL gain",
		"after instruction tuning (MPFT+PEFT), Mamba gets 81% (v1: up to 81.5%) of the ICL improvement of comparably fine-tuned Transformers", "mamba", "instruct", 81},
	{"fig3-ratio-mamba2-instruct", "Fig. 3: instruction-tuned Mamba-2 reaches 132% of the Transformer's ICL gain",
		"after instruction tuning, Mamba-2 gets 132% of the ICL improvement of comparably fine-tuned Transformers", "mamba2", "instruct", 132},
}

func (r ratioClaim) claim() Claim {
	return Claim{ID: r.id, Title: r.title, Paper: r.paper, Figures: []string{"fig3_icl_instruct"}, Tables: []string{"fig3_icl_instruct"}}
}

// iclLabel names a model in legends: its family, with its name when the
// family has several models.
func iclLabel(m *iclModel, models []*iclModel) string {
	for _, o := range models {
		if o.family == m.family && o.name != m.name {
			return m.family + " " + m.name
		}
	}
	return m.family
}

func stageNote(models []*iclModel) string {
	for _, m := range models {
		if m.stage == "instruct" {
			return fmt.Sprintf("solid: pretrained; dashed: instruction-tuned (%s, %s)", methodLabel(m.method), m.precision)
		}
	}
	return "solid: pretrained"
}

func iclInstructFigure(models []*iclModel) plots.Figure {
	note := stageNote(models) + "\nbands: 95% bootstrap CI over items and seeds"
	acc := plots.Panel{Title: "k-shot accuracy", Note: note, XLabel: "shots k", YLabel: "accuracy (%)",
		HLines: []plots.HLine{{Y: chancePct, Label: "chance (1 in 4)"}}}
	gain := plots.Panel{Title: "ICL gain over zero-shot", Note: note, XLabel: "shots k", YLabel: "acc_k − acc_0 (pp)",
		HLines: []plots.HLine{{Y: 0}}}
	labelled := map[string]bool{}
	for _, m := range models {
		label := iclLabel(m, models)
		if labelled[label] { // one legend entry per model: the style says the stage
			label = ""
		} else {
			labelled[label] = true
		}
		a := plots.Series{Label: label, Color: familyColor(m.family), Dashed: m.stage == "instruct"}
		g := a
		for _, k := range m.shots {
			iv, ok := m.acc[k]
			if !ok {
				continue
			}
			a.X, a.Y, a.Lo, a.Hi = append(a.X, float64(k)), append(a.Y, 100*iv.Estimate), append(a.Lo, 100*iv.Lo), append(a.Hi, 100*iv.Hi)
			if k == 0 {
				g.X, g.Y, g.Lo, g.Hi = append(g.X, 0), append(g.Y, 0), append(g.Lo, 0), append(g.Hi, 0)
			} else if iv, ok := m.gainAt[k]; ok {
				g.X, g.Y, g.Lo, g.Hi = append(g.X, float64(k)), append(g.Y, 100*iv.Estimate), append(g.Lo, 100*iv.Lo), append(g.Hi, 100*iv.Hi)
			}
		}
		a.Lo, a.Hi, g.Lo, g.Hi = dropNaN(a.Lo), dropNaN(a.Hi), dropNaN(g.Lo), dropNaN(g.Hi)
		acc.Series, gain.Series = append(acc.Series, a), append(gain.Series, g)
	}
	acc.XTicks = shotTicks(models)
	gain.XTicks = acc.XTicks
	return plots.Figure{Name: "fig3_icl_instruct", Cols: 2, Panels: []plots.Panel{acc, gain},
		Caption: "k-shot accuracy (left) and ICL gain over zero-shot (right) of pretrained and instruction-tuned models, per family"}
}

// shotTicks are the shot counts any model was evaluated at.
func shotTicks(models []*iclModel) []float64 {
	seen := map[int]bool{}
	var ks []int
	for _, m := range models {
		for _, k := range m.shots {
			if !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	sort.Ints(ks)
	out := make([]float64, len(ks))
	for i, k := range ks {
		out[i] = float64(k)
	}
	return out
}

func iclInstructTable(models []*iclModel, ratios map[*iclModel]iclRatio, ks []int) plots.Table {
	var shots []int
	seen := map[int]bool{}
	for _, m := range models {
		for _, k := range m.shots {
			if !seen[k] {
				seen[k] = true
				shots = append(shots, k)
			}
		}
	}
	sort.Ints(shots)
	t := plots.Table{Name: "fig3_icl_instruct",
		Caption: "Fig. 3 (reproduction): k-shot accuracy, ICL gain and ICL ratio to the Transformer of pretrained and instruction-tuned models (95% bootstrap CIs over items and seeds)",
		Header:  []string{"model", "family", "params", "stage", "seeds", "items"}}
	for _, k := range shots {
		t.Header = append(t.Header, fmt.Sprintf("acc k=%d (%%)", k))
	}
	t.Header = append(t.Header, "ICL gain (pp)", "ratio to Transformer (%)")
	for _, m := range models {
		row := []string{m.name, m.family, humanCount(m.params), m.stage, fmt.Sprint(len(m.seeds)), fmt.Sprint(m.synthItems)}
		for _, k := range shots {
			v := math.NaN()
			if iv, ok := m.acc[k]; ok {
				v = 100 * iv.Estimate
			}
			row = append(row, fmtFixed(v, 1))
		}
		ratio := "—"
		if r, ok := ratios[m]; ok && r.ref != nil {
			ratio = ratioText(r, r.ref.gain) + " vs " + r.ref.name
		}
		t.Rows = append(t.Rows, append(row, gainText(m.gain), ratio))
	}
	t.Notes = []string{
		fmt.Sprintf("ICL gain = mean over k ∈ %s of acc_k − acc_0 (percentage points). Ratio = 100 · gain(model) / gain(Transformer at the same stage: GPT-NeoX, else Llama), undefined when the Transformer's gain is ≤ 0. Intervals: hierarchical percentile bootstrap: each model's seeds resampled, then items within each drawn seed, one item draw per seed slot shared by both models (paired).", intSet(ks)),
		fmt.Sprintf("Chance is %.0f%% (four choices per item).", chancePct),
	}
	return t
}

// ratioClaimFrom judges one paper ratio: the model of the claim's arch and
// stage whose reference Transformer is nearest in size.
func ratioClaimFrom(rc ratioClaim, models []*iclModel, ratios map[*iclModel]iclRatio, ks []int) Claim {
	c := rc.claim()
	var m *iclModel
	dist := func(x *iclModel) float64 { // how far its Transformer is in size
		if r := ratios[x]; r.ref != nil {
			return math.Abs(math.Log(r.ref.params / x.params))
		}
		return math.Inf(1)
	}
	for _, x := range models {
		if x.arch == rc.arch && x.stage == rc.stage && (m == nil || dist(x) < dist(m)) {
			m = x
		}
	}
	c.Notes = append(c.Notes, ratioRule)
	if m == nil {
		c.Verdict, c.Ours = NotRun, "—"
		c.Notes = append(c.Notes, fmt.Sprintf("No %s model at stage %q in the results (the quick profile runs Mamba and GPT-NeoX only).", archLabel(rc.arch), rc.stage))
		return c
	}
	r := ratios[m]
	if r.ref == nil {
		c.Verdict, c.Ours = NotRun, fmt.Sprintf("no Transformer at stage %q to compare %s with (gain %s)", rc.stage, m.name, gainText(m.gain))
		return c
	}
	c.Verdict = ratioVerdict(rc.value, m.gain, r.ref.gain, r)
	gains := fmt.Sprintf("gain %s %s vs %s %s", m.family, gainText(m.gain), r.ref.family, gainText(r.ref.gain))
	switch {
	case c.Verdict == Inconclusive && noICL(m.gain, r.ref.gain):
		c.Ours = fmt.Sprintf("no ICL learned at this scale: %s (neither CI above 0); ratio %s", gains, ratioText(r, r.ref.gain))
	default:
		c.Ours = fmt.Sprintf("ratio %s; %s", ratioText(r, r.ref.gain), gains)
	}
	c.Setting = fmt.Sprintf("%s vs %s (%s vs %s params), stage %s, %d and %d seed(s), %d items, gain over k ∈ %s",
		m.name, r.ref.name, humanCount(m.params), humanCount(r.ref.params), m.stage, len(m.seeds), len(r.ref.seeds), m.synthItems, intSet(ks))
	return c
}

func buildICLInstruct(rs []store.Result, out Out) ([]Claim, error) {
	sums, err := decodeSummaries[summary.ICL](rs)
	if err != nil {
		return nil, err
	}
	models, notes := collectICL(sums)
	ks := commonKs(models)
	opt := bootOptions(rs)
	computeICL(models, ks, opt)
	ratios := iclRatios(models, ks, opt)
	if err := iclInstructFigure(models).Write(out.Figures); err != nil {
		return nil, err
	}
	if err := iclInstructTable(models, ratios, ks).Write(out.Tables); err != nil {
		return nil, err
	}
	var cs []Claim
	for _, rc := range ratioClaims {
		c := ratioClaimFrom(rc, models, ratios, ks)
		c.Notes = append(c.Notes, notes...)
		cs = append(cs, c)
	}
	cs[0].Notes = append(cs[0].Notes, iclCaveats(opt)...)
	if n := countDiverged(sums); n > 0 {
		cs[0].Notes = append(cs[0].Notes, fmt.Sprintf("%d of %d trials evaluate a model whose training diverged (non-finite loss): their accuracies are those of a model with non-finite weights.", n, len(sums)))
	}
	if err := recipeFigure(models).Write(out.Figures); err != nil {
		return nil, err
	}
	for _, d := range directionClaims {
		cs = append(cs, directionClaimFrom(d, models, ks, opt))
	}
	return cs, nil
}

// iclRatios computes every non-reference model's ratio to its Transformer.
func iclRatios(models []*iclModel, ks []int, opt bootstrap.Options) map[*iclModel]iclRatio {
	out := map[*iclModel]iclRatio{}
	for _, m := range models {
		if m.arch == "gpt_neox" {
			continue
		}
		if ref := referenceFor(m, models); ref != nil {
			out[m] = ratioTo(m, ref, ks, opt)
		}
	}
	return out
}

// iclCaveats say how the ICL numbers were measured.
func iclCaveats(opt bootstrap.Options) []string {
	return []string{
		fmt.Sprintf("Intervals: %d hierarchical bootstrap resamples at 95%%: each model's seeds resampled, then items within each drawn seed (without task strata: the summaries do not record each item's task), the item draw of a seed slot shared by the models compared; with 3 seeds the seed level under-covers.", opt.B),
		"The tasks are the built-in suite's held-out-function multiple-choice families (the paper: standard lm-eval benchmarks); chance is 25%. Figure `fig3_icl_instruct`: left, accuracy vs shots with the chance line; right, the gain over zero-shot per k; solid pretrained, dashed instruction-tuned, bands 95% CIs.",
	}
}

// countDiverged counts the trials whose model's training diverged.
func countDiverged(sums []summary.ICL) int {
	n := 0
	for _, s := range sums {
		if s.Diverged {
			n++
		}
	}
	return n
}
