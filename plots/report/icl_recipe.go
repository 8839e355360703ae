package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/metrics/icl"
	"github.com/ssmlab/ssmlab/plots"
)

// Fig. 3's instruction-tuning recipe and the direction of the paper's
// claim: instruction tuning raises Mamba's ICL ratio (38% to 81%) and
// Mamba-2's (82% to 132%). Each model's recipe (learning rate, LoRA alpha)
// is the one with the lowest held-out instruction loss of a small sweep
// (kind icl, params.lr_sweep), so one untuned rate shared by every family
// does not decide the comparison.

// directionClaim is the paper's direction for one architecture.
type directionClaim struct {
	id, title, paper string
	arch             string
	from, to         float64 // the paper's pretrained and instruction-tuned ratios
}

var directionClaims = []directionClaim{
	{"fig3-direction-mamba", "Fig. 3 direction: instruction tuning raises Mamba's ICL ratio",
		"instruction tuning narrows Mamba's ICL gap to the Transformer: its ratio rises from 38% (pretrained) to 81%", "mamba", 38, 81},
	{"fig3-direction-mamba2", "Fig. 3 direction: instruction tuning raises Mamba-2's ICL ratio",
		"instruction-tuned Mamba-2 overtakes the Transformer: its ratio rises from 82% (pretrained) to 132%", "mamba2", 82, 132},
}

func (d directionClaim) claim() Claim {
	return Claim{ID: d.id, Title: d.title, Paper: d.paper, Figures: []string{"fig3_recipe"}, Tables: []string{"fig3_icl_instruct"}}
}

// directionRule is the direction rows' rule as the report prints it.
const directionRule = "Rule: Δ = ratio(instruction-tuned) − ratio(pretrained), percentage points, each ratio 100·gain(model)/gain(Transformer at the same stage), with a 95% hierarchical bootstrap CI (each of the four models' seeds resampled, then items within each seed slot, one item draw shared by all four). Reproduces when the CI lies above 0 (instruction tuning raises the ratio), does not when it lies below 0, inconclusive at this scale when it holds 0 or is undefined (a Transformer's gain not distinguishable from 0), and when no gain's CI lies above 0 (no ICL learned)."

// stagePair finds a model of arch at both stages and its reference
// Transformers (nearest in size, as the ratio rows pick them).
func stagePair(arch string, models []*iclModel) (pre, ins, preRef, insRef *iclModel) {
	for _, m := range models {
		if m.arch != arch {
			continue
		}
		switch {
		case m.stage == "pretrained" && pre == nil:
			pre = m
		case m.stage == "instruct" && ins == nil:
			ins = m
		}
	}
	if pre != nil {
		preRef = referenceFor(pre, models)
	}
	if ins != nil {
		insRef = referenceFor(ins, models)
	}
	return pre, ins, preRef, insRef
}

// directionCI is the interval of ratio(ins/insRef) − ratio(pre/preRef).
func directionCI(pre, ins, preRef, insRef *iclModel, ks []int, opt bootstrap.Options) (bootstrap.Interval, error) {
	ms := []*iclModel{ins, insRef, pre, preRef}
	var gs [][][]float64
	var seeds []int
	for _, m := range ms {
		if m.gainErr != nil || m.synthItems != ins.synthItems {
			return nanInterval(), fmt.Errorf("%s cannot be paired with %s", m.name, ins.name)
		}
		g := itemGains(m.scores, ks)
		gs, seeds = append(gs, g), append(seeds, len(g))
	}
	mean := func(g [][]float64, sd []int, dr bootstrap.Draw) float64 {
		t, n := 0.0, 0
		for j, s := range sd {
			items := dr.ItemsAt(j)
			for _, i := range items {
				t += g[s][i]
			}
			n += len(items)
		}
		return t / float64(n)
	}
	d := bootstrap.Design{Items: ins.synthItems, Seeds: seeds, Nested: true}
	return bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 {
		ri := icl.RatioOf(mean(gs[0], dr.Seeds[0], dr), mean(gs[1], dr.Seeds[1], dr))
		rp := icl.RatioOf(mean(gs[2], dr.Seeds[2], dr), mean(gs[3], dr.Seeds[3], dr))
		if !ri.Defined || !rp.Defined {
			return math.NaN()
		}
		return ri.Percent - rp.Percent
	})
}

// directionVerdict judges Δ's interval by directionRule.
func directionVerdict(diff bootstrap.Interval, anyICL bool) string {
	switch {
	case !anyICL:
		return Inconclusive
	case math.IsNaN(diff.Lo) || math.IsNaN(diff.Hi):
		return Inconclusive
	case diff.Lo > 0:
		return Reproduces
	case diff.Hi < 0:
		return DoesNot
	}
	return Inconclusive
}

func directionClaimFrom(dc directionClaim, models []*iclModel, ks []int, opt bootstrap.Options) Claim {
	c := dc.claim()
	c.Notes = append(c.Notes, directionRule)
	pre, ins, preRef, insRef := stagePair(dc.arch, models)
	if pre == nil || ins == nil || preRef == nil || insRef == nil {
		c.Verdict, c.Ours = NotRun, "—"
		c.Notes = append(c.Notes, fmt.Sprintf("Needs %s and a Transformer at both stages.", archLabel(dc.arch)))
		return c
	}
	anyICL := false
	for _, m := range []*iclModel{pre, ins, preRef, insRef} {
		anyICL = anyICL || m.gain.Lo > 0
	}
	diff, err := directionCI(pre, ins, preRef, insRef, ks, opt)
	if err != nil {
		c.Verdict, c.Ours = NotRun, "— ("+err.Error()+")"
		return c
	}
	c.Verdict = directionVerdict(diff, anyICL)
	ciPart := "CI undefined: a Transformer's gain is not distinguishable from 0"
	if !math.IsNaN(diff.Lo) {
		ciPart = fmt.Sprintf("[%s, %s]", fmtFixed(diff.Lo, 0), fmtFixed(diff.Hi, 0))
	}
	c.Ours = fmt.Sprintf("Δ ratio %s pp %s (paper +%s); gain %s %s → %s, %s %s → %s",
		fmtFixed(diff.Estimate, 0), ciPart, fmtFixed(dc.to-dc.from, 0),
		pre.family, gainText(pre.gain), gainText(ins.gain), preRef.family, gainText(preRef.gain), gainText(insRef.gain))
	c.Setting = fmt.Sprintf("%s vs %s, pretrained and instruction-tuned (%s, %s; recipe per model by held-out instruction loss), %d seed(s) each", pre.name, preRef.name, methodLabel(ins.method), ins.precision, len(ins.seeds))
	if a, b := spreadOf(ins.heldOut), spreadOf(insRef.heldOut); a.N > 0 && b.N > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("Held-out instruction loss of the chosen recipes (mean over seeds): %s %s, %s %s, so the instruction-tuned models are compared at %s instruction loss.",
			ins.family, fmtFixed(a.Mean, 3), insRef.family, fmtFixed(b.Mean, 3), map[bool]string{true: "matched (within 5%)", false: "different"}[math.Abs(a.Mean-b.Mean) <= 0.05*math.Max(a.Mean, b.Mean)]))
	}
	if r := recipeText(ins); r != "" {
		c.Notes = append(c.Notes, r)
	}
	if r := recipeText(insRef); r != "" {
		c.Notes = append(c.Notes, r)
	}
	return c
}

// recipeText says which recipes a model's seeds chose and at what
// held-out loss.
func recipeText(m *iclModel) string {
	if len(m.recipes) == 0 {
		return ""
	}
	var parts []string
	for j, rs := range m.recipes {
		var pts []string
		for _, r := range rs {
			p := fmt.Sprintf("lr %g: %s", r.LR, fmtFixed(float64(r.HeldOutLoss), 3))
			if r.Chosen {
				p += " (chosen)"
			}
			pts = append(pts, p)
		}
		parts = append(parts, fmt.Sprintf("seed %d: %s", m.seeds[min(j, len(m.seeds)-1)], strings.Join(pts, ", ")))
	}
	out := fmt.Sprintf("Recipe sweep of %s (held-out instruction loss): %s.", m.name, strings.Join(parts, "; "))
	if edge := edgeChoices(m); edge > 0 {
		out += fmt.Sprintf(" %d of %d seeds chose the sweep's largest or smallest learning rate: the best recipe may lie outside the sweep.", edge, len(m.recipes))
	}
	return out
}

// edgeChoices counts the seeds whose chosen recipe has the sweep's largest
// or smallest learning rate (with more than two rates swept).
func edgeChoices(m *iclModel) int {
	n := 0
	for _, rs := range m.recipes {
		lo, hi := math.Inf(1), math.Inf(-1)
		rates := map[float64]bool{}
		for _, r := range rs {
			lo, hi = math.Min(lo, r.LR), math.Max(hi, r.LR)
			rates[r.LR] = true
		}
		for _, r := range rs {
			if r.Chosen && len(rates) > 2 && (r.LR == lo || r.LR == hi) {
				n++
			}
		}
	}
	return n
}

// recipeFigure: left, held-out instruction loss against learning rate per
// family (mean over seeds); right, ICL gain of the instruction-tuned model
// against its held-out instruction loss (mean over seeds, gain with its
// 95% CI), per family.
func recipeFigure(models []*iclModel) plots.Figure {
	sweep := plots.Panel{Title: "recipe sweep", XLabel: "learning rate", YLabel: "held-out instruction loss", LogX: true,
		Note: "mean over seeds; rings: the chosen recipes"}
	gain := plots.Panel{Title: "ICL gain vs instruction loss", XLabel: "held-out instruction loss (chosen recipe)", YLabel: "ICL gain (pp)",
		Note: "one point per model; whiskers: 95% CI of the gain", HLines: []plots.HLine{{Y: 0}}}
	markers := []string{"circle", "square", "triangle", "cross"}
	for i, m := range models {
		if m.stage != "instruct" {
			continue
		}
		col, mk := familyColor(m.family), markers[i%len(markers)]
		byLR := map[float64][]float64{}
		chosen := map[float64]bool{}
		for _, rs := range m.recipes {
			for _, r := range rs {
				byLR[r.LR] = append(byLR[r.LR], float64(r.HeldOutLoss))
				chosen[r.LR] = chosen[r.LR] || r.Chosen
			}
		}
		if len(byLR) > 0 {
			var lrs []float64
			for lr := range byLR {
				lrs = append(lrs, lr)
			}
			sort.Float64s(lrs)
			line := plots.Series{Label: m.family, Color: col, Points: true, Marker: mk}
			ring := plots.Series{Color: col, Points: true, NoLine: true, Marker: "ring"}
			for _, lr := range lrs {
				v := spreadOf(byLR[lr]).Mean
				line.X, line.Y = append(line.X, lr), append(line.Y, v)
				if chosen[lr] {
					ring.X, ring.Y = append(ring.X, lr), append(ring.Y, v)
				}
			}
			sweep.Series = append(sweep.Series, line, ring)
		}
		if h := spreadOf(m.heldOut); h.N > 0 && !math.IsNaN(m.gain.Estimate) {
			pt := plots.Series{Label: m.family, Color: col, Points: true, NoLine: true, Marker: mk,
				X: []float64{h.Mean}, Y: []float64{100 * m.gain.Estimate}}
			if !math.IsNaN(m.gain.Lo) {
				pt.Lo, pt.Hi = []float64{100 * m.gain.Lo}, []float64{100 * m.gain.Hi}
			}
			gain.Series = append(gain.Series, pt)
		}
	}
	return plots.Figure{Name: "fig3_recipe", Cols: 2, Panels: []plots.Panel{sweep, gain},
		Caption: "Instruction-tuning recipe per family: held-out instruction loss by learning rate (left) and the ICL gain of the chosen recipe against its instruction loss (right)"}
}
