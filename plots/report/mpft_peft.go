package report

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/plots"
)

// Fig. 1 of the paper: fine-tuning by {full, LoRA on all linears, LoRA on a
// subset} x {fp32, fp16, bf16}, each compared with fp32 full fine-tuning of
// the same base; under mixed-precision fine-tuning (MPFT) and PEFT, Mamba
// diverges no more than Transformers. Kind "mpft" writes one summary.MPFT
// per (model, method, precision, seed).

func init() {
	Register(Experiment{Name: "mpft_peft", Order: 30, Build: buildMPFT, Placeholder: []Claim{mpftClaim()}})
}

func mpftClaim() Claim {
	return Claim{ID: "fig1-mpft-peft",
		Title:   "Fig. 1: under mixed-precision fine-tuning and PEFT, Mamba diverges no more than Transformers",
		Paper:   "fine-tuned fully or with LoRA (all linears or a subset) in fp16/bf16, Mamba's MMLU accuracy diverges from full-precision full fine-tuning generally less than similar-size Transformers' (which may diverge drastically)",
		Figures: []string{"fig1_mpft_divergence"}, Tables: []string{"fig1_mpft_settings"}}
}

// methodLabels are the x tick labels of the fine-tuning methods.
var methodLabels = map[string]string{"full": "full FT", "lora_all": "LoRA-all", "lora_xproj": "LoRA-x_proj/qkv"}

func methodLabel(m string) string {
	if l, ok := methodLabels[m]; ok {
		return l
	}
	return m
}

func sortMethods(ms []string) {
	rank := func(m string) int {
		for i, k := range []string{"full", "lora_all", "lora_xproj"} {
			if k == m {
				return i
			}
		}
		return 3
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if rank(ms[i]) != rank(ms[j]) {
			return rank(ms[i]) < rank(ms[j])
		}
		return ms[i] < ms[j]
	})
}

// setting is one fine-tuning method in one precision.
type setting struct{ method, precision string }

func (s setting) String() string { return methodLabel(s.method) + " " + s.precision }

// mpftRow is one (model, method, precision) over its seeds.
type mpftRow struct {
	name, family string
	setting
	seeds                                   int
	trainable, div, flip, kl, logit, argmax spread
	loss                                    spread
	skipped                                 int
	diverged                                bool
}

type mpftData struct {
	rows       []*mpftRow
	families   []string
	arch       map[string]string
	methods    []string
	precisions []string // fp16, bf16, ..., fp32 last
	// famDiv and famKL are per family and setting, over seeds of the mean
	// over the family's models.
	famDiv, famKL map[string]map[setting]spread
	famDivSeeds   map[string]map[setting]seedMeans
	// noise is each family's fp32 seed-twin divergence over seeds (the
	// reference trials' NoiseDivPP), the noise floor.
	noise map[string]seedMeans
}

func collectMPFT(sums []summary.MPFT) mpftData {
	d := mpftData{arch: map[string]string{}, famDiv: map[string]map[setting]spread{}, famKL: map[string]map[setting]spread{}, noise: map[string]seedMeans{}}
	type key struct {
		name string
		setting
	}
	type acc struct{ trainable, div, flip, kl, logit, argmax, loss []float64 }
	rows, accs := map[key]*mpftRow{}, map[key]*acc{}
	fdiv, fkl := map[string]map[setting]seedMeans{}, map[string]map[setting]seedMeans{}
	var methods, precs []string
	for _, s := range sums {
		f, st := familyOf(s.Model), setting{s.Method, s.Precision}
		k := key{s.Model.Name, st}
		r, ok := rows[k]
		if !ok {
			r = &mpftRow{name: s.Model.Name, family: f, setting: st}
			rows[k], accs[k] = r, &acc{}
			d.rows = append(d.rows, r)
		}
		d.arch[f] = s.Model.Arch
		d.families, methods, precs = append(d.families, f), append(methods, s.Method), append(precs, s.Precision)
		a := accs[k]
		r.seeds++
		r.skipped += s.Train.Skipped
		r.diverged = r.diverged || s.Train.Diverged || s.Diverged
		a.trainable = append(a.trainable, float64(s.Trainable))
		a.div, a.flip = append(a.div, s.DivPP), append(a.flip, 100*s.ItemFlip)
		a.kl, a.logit, a.argmax = append(a.kl, float64(s.MeanKL)), append(a.logit, float64(s.MaxAbsLogit)), append(a.argmax, 100*float64(s.ArgmaxFlip))
		a.loss = append(a.loss, float64(s.Train.MeanLastLoss))
		if fdiv[f] == nil {
			fdiv[f], fkl[f] = map[setting]seedMeans{}, map[setting]seedMeans{}
		}
		if fdiv[f][st] == nil {
			fdiv[f][st], fkl[f][st] = seedMeans{}, seedMeans{}
		}
		fdiv[f][st].add(s.Model.Seed, s.DivPP)
		if s.NoiseDivPP != nil {
			if d.noise[f] == nil {
				d.noise[f] = seedMeans{}
			}
			d.noise[f].add(s.Model.Seed, *s.NoiseDivPP)
		}
		fkl[f][st].add(s.Model.Seed, float64(s.MeanKL))
	}
	for k, r := range rows {
		a := accs[k]
		r.trainable, r.div, r.flip = spreadOf(a.trainable), spreadOf(a.div), spreadOf(a.flip)
		r.kl, r.logit, r.argmax, r.loss = spreadOf(a.kl), spreadOf(a.logit), spreadOf(a.argmax), spreadOf(a.loss)
	}
	d.families, d.methods, d.precisions = uniqStrings(d.families), uniqStrings(methods), uniqStrings(precs)
	sortFamilies(d.families)
	sortMethods(d.methods)
	sortPrecisions(d.precisions)
	d.famDivSeeds = fdiv
	for f := range fdiv {
		d.famDiv[f], d.famKL[f] = map[setting]spread{}, map[setting]spread{}
		for st := range fdiv[f] {
			d.famDiv[f][st], d.famKL[f][st] = fdiv[f][st].spread(), fkl[f][st].spread()
		}
	}
	sort.SliceStable(d.rows, func(i, j int) bool {
		a, b := d.rows[i], d.rows[j]
		if c := compareFamilies(a.family, b.family); c != 0 {
			return c < 0
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.precision != b.precision {
			return indexOf(d.precisions, a.precision) < indexOf(d.precisions, b.precision)
		}
		return indexOf(d.methods, a.method) < indexOf(d.methods, b.method)
	})
	return d
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return len(xs)
}

// panelMethods are the methods drawn for a precision: in fp32, full
// fine-tuning is the reference itself, so only LoRA's own effect shows.
func (d mpftData) panelMethods(p string) []string {
	var ms []string
	for _, m := range d.methods {
		if !(p == "fp32" && m == "full") {
			ms = append(ms, m)
		}
	}
	return ms
}

func mpftFigure(d mpftData) plots.Figure {
	fig := plots.Figure{Name: "fig1_mpft_divergence", Cols: max(1, len(d.precisions)),
		Caption: "Divergence of each fine-tuning setting from fp32 full fine-tuning of the same base, per family: accuracy (top) and next-token distributions (bottom), one column per precision"}
	spreadNote := anySpread(d)
	var top, bottom []plots.Panel
	for _, p := range d.precisions {
		ms := d.panelMethods(p)
		cats := make([]string, len(ms))
		for i, m := range ms {
			cats[i] = methodLabel(m)
		}
		title := p + " fine-tuning"
		if p == "fp32" {
			title = "fp32: LoRA's own effect"
		}
		div := plots.Panel{Title: title, XLabel: "method", YLabel: "|Δ accuracy| (pp)", Categories: cats, Note: barsNote("bars", spreadNote),
			HLines: []plots.HLine{{Y: 0}}}
		if fl := d.noiseFloor(); !math.IsNaN(fl) {
			div.HLines = append(div.HLines, plots.HLine{Y: fl, Label: "noise floor: fp32 full FT, other seed"})
		}
		kl := plots.Panel{Title: title + ": KL(ref ‖ model)", XLabel: "method", YLabel: "mean KL (nats)", Categories: cats, LogY: true, Note: barsNote("dots", spreadNote)}
		for i, f := range d.families {
			b := plots.Bars{Label: f, Color: familyColor(f)}
			s := plots.Series{Label: f, Color: familyColor(f), Points: true, NoLine: true}
			off := dotOffset(i, len(d.families))
			for j, m := range ms {
				st := setting{m, p}
				v, lo, hi := d.famDiv[f][st].bar()
				b.Values, b.Lo, b.Hi = append(b.Values, v), append(b.Lo, lo), append(b.Hi, hi)
				v, lo, hi = d.famKL[f][st].bar()
				s.X, s.Y, s.Lo, s.Hi = append(s.X, float64(j)+off), append(s.Y, v), append(s.Lo, lo), append(s.Hi, hi)
			}
			b.Lo, b.Hi, s.Lo, s.Hi = dropNaN(b.Lo), dropNaN(b.Hi), dropNaN(s.Lo), dropNaN(s.Hi)
			div.Bars, kl.Series = append(div.Bars, b), append(kl.Series, s)
		}
		top, bottom = append(top, div), append(bottom, kl)
	}
	fig.Panels = append(top, bottom...)
	return fig
}

func anySpread(d mpftData) bool {
	for _, r := range d.rows {
		if r.seeds > 1 {
			return true
		}
	}
	return false
}

// barsNote says what the bars (or dots) and whiskers are.
func barsNote(what string, spread bool) string {
	if !spread {
		return what + ": one seed (no spread to show)"
	}
	return what + ": mean over seeds; whiskers: ± 1 sd"
}

func mpftTable(d mpftData) plots.Table {
	t := plots.Table{Name: "fig1_mpft_settings",
		Caption: "Fig. 1 (reproduction): every fine-tuning setting against fp32 full fine-tuning of the same base (mean ± sd over seeds)",
		Header: []string{"model", "family", "method", "precision", "trainable", "seeds", "div (pp)", "item flips (%)", "mean KL",
			"max |Δlogit|", "argmax flips (%)", "FT loss", "fp16 skipped steps"}}
	for _, r := range d.rows {
		skipped := "—"
		if r.precision == "fp16" {
			skipped = fmt.Sprint(r.skipped)
		}
		loss := r.loss.format(func(v float64) string { return fmtFixed(v, 3) })
		if r.diverged {
			loss += " (diverged)"
		}
		method := methodLabel(r.method)
		if r.setting == (setting{"full", "fp32"}) {
			method += " (reference)"
		}
		t.Rows = append(t.Rows, []string{r.name, r.family, method, r.precision, humanCount(r.trainable.Mean), fmt.Sprint(r.seeds),
			r.div.format(fmtPP), r.flip.format(fmtPP), r.kl.format(fmtSci), r.logit.format(fmtSci), r.argmax.format(fmtPP), loss, skipped})
	}
	t.Notes = []string{
		"div = mean over task families and shot counts of |acc − acc_ref| (pp), ref = fp32 full fine-tuning of the same base with the same data, steps and seed; item flips = share of (item, k) whose correctness differs from ref; mean KL(ref ‖ model) (nats), max |Δlogit| and argmax flips over the evaluation prompts. FT loss = mean training loss over the last 10% of steps; skipped steps = fp16 loss-scaler overflows (summed over seeds).",
		"LoRA-all: LoRA on every linear (Mamba in_proj, x_proj, dt_proj, out_proj; Mamba-2 in_proj, out_proj; GPT-NeoX query_key_value, dense, MLP; Llama q/k/v/o and MLP). LoRA-x_proj/qkv: Mamba x_proj, Mamba-2 in_proj, GPT-NeoX query_key_value, Llama q/k/v.",
	}
	return t
}

// mpftRule is Fig. 1's rule as the report prints it.
const mpftRule = "Rule: each 16-bit setting (method × fp16/bf16) is judged net of its fp32 twin (the same method in fp32; for full fine-tuning the fp32 reference itself, 0), so that only mixed precision's own effect counts: net = div(setting) − div(fp32 twin), per seed. The noise floor is the mean divergence of fp32 full fine-tunings that differ from the reference only in their fine-tuning seed. A setting where neither Mamba's net nor the Transformers' mean net exceeds the noise floor is inconclusive (no mixed-precision effect to compare). Otherwise d = Mamba's net − the mean of the Transformer families' nets, with a 95% bootstrap CI that resamples each family's seeds: the setting passes when the CI lies at or below the noise floor, fails when it lies wholly above it, and is inconclusive when it straddles it or has fewer than 2 seeds. Reproduces if every setting passes, partly if some do, does not if none does and some fail, inconclusive at this scale if all are inconclusive."

// netSeeds is a family's per-seed divergence in st net of st's fp32 twin
// (seeds that have both).
func (d mpftData) netSeeds(f string, st setting) []float64 {
	twin := setting{st.method, "fp32"}
	a, b := d.famDivSeeds[f][st], d.famDivSeeds[f][twin]
	var seeds []int64
	for s := range a {
		if _, ok := b[s]; ok {
			seeds = append(seeds, s)
		}
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	out := make([]float64, len(seeds))
	for i, s := range seeds {
		out[i] = spreadOf(a[s]).Mean - spreadOf(b[s]).Mean
	}
	return out
}

// noiseFloor is the mean seed-twin divergence over every family and seed
// (NaN when no reference trial measured one).
func (d mpftData) noiseFloor() float64 {
	var xs []float64
	for _, m := range d.noise {
		xs = append(xs, m.values()...)
	}
	return spreadOf(xs).mean()
}

func mpftClaimFrom(d mpftData, rs []store.Result) Claim {
	c := mpftClaim()
	if n := divergedRows(d); n > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%d of %d settings diverged in fine-tuning (non-finite loss; marked \"(diverged)\" in the table): their accuracies and divergences are those of models with non-finite weights.", n, len(d.rows)))
	}
	opt := bootOptions(rs)
	mamba, transformers := sides(d.families, d.arch)
	var mixed []setting
	for _, p := range d.precisions {
		if p != "fp32" {
			for _, m := range d.methods {
				mixed = append(mixed, setting{m, p})
			}
		}
	}
	floor := d.noiseFloor()
	var outcomes []int
	var parts []string
	for _, st := range mixed {
		if mamba == "" {
			break
		}
		m := d.netSeeds(mamba, st)
		var ts [][]float64
		tMean := 0.0
		for _, f := range transformers {
			if v := d.netSeeds(f, st); len(v) > 0 {
				ts = append(ts, v)
				tMean += spreadOf(v).Mean
			}
		}
		if len(m) == 0 || len(ts) == 0 {
			continue
		}
		tMean /= float64(len(ts))
		mMean := spreadOf(m).Mean
		diff := seedDiffCI(m, ts, opt)
		var o int
		switch {
		case math.IsNaN(floor):
			o = marginVerdict(diff, 0)
		case mMean <= floor && tMean <= floor:
			o = settingInconclusive
		default:
			o = marginVerdict(diff, floor)
		}
		outcomes = append(outcomes, o)
		parts = append(parts, fmt.Sprintf("%s: net Mamba %s vs Transformers %s pp, d %s (%s)", st, fmtPP(mMean), fmtPP(tMean), ciText(diff), outcomeWord[o]))
	}
	if len(outcomes) > 0 {
		var n [3]int
		for _, o := range outcomes {
			n[o]++
		}
		c.Ours = fmt.Sprintf("net of fp32 twins, against a noise floor of %s pp: %d of %d mixed-precision settings pass, %d fail, %d inconclusive; %s",
			fmtPP(floor), n[settingPass], len(outcomes), n[settingFail], n[settingInconclusive], strings.Join(parts, "; "))
	} else {
		c.Ours = "no Mamba–Transformer comparison in any 16-bit setting"
		if means := familyMeans(d, mixed); means != "" {
			c.Ours += "; mean divergence: " + means
		}
		c.Notes = append(c.Notes, "The results lack a Mamba family, a Transformer family, 16-bit settings or their fp32 twins.")
	}
	c.Verdict = tallyOutcomes(outcomes)
	c.Setting = mpftSetting(d, rs)
	c.Notes = append(c.Notes, mpftRule)
	if math.IsNaN(floor) {
		c.Notes = append(c.Notes, "No noise floor was measured (no fp32 full fine-tuning trial recorded a seed twin): the margin is 0.")
	} else {
		var fs []string
		for _, f := range d.families {
			if m, ok := d.noise[f]; ok {
				fs = append(fs, fmt.Sprintf("%s %s", f, m.spread().format(fmtPP)))
			}
		}
		c.Notes = append(c.Notes, fmt.Sprintf("Noise floor (fp32 full fine-tuning vs the same with another fine-tuning seed, pp, over seeds): %s.", strings.Join(fs, ", ")))
	}
	if raw := familyMeans(d, mixed); raw != "" {
		c.Notes = append(c.Notes, "Raw divergence from the fp32 reference, mean over the 16-bit settings (not net of the fp32 twins): "+raw+".")
	}
	if lora := familyMeans(d, []setting{{"lora_all", "fp32"}, {"lora_xproj", "fp32"}}); lora != "" {
		c.Notes = append(c.Notes, "LoRA's own effect (fp32 LoRA vs fp32 full, no rounding): "+lora+". A 16-bit LoRA setting that diverges about as much as its fp32 twin owes its divergence to LoRA, not to mixed precision.")
	}
	c.Notes = append(c.Notes,
		"Accuracy divergence is measured on the built-in suite's k-shot tasks (the paper: MMLU after Alpaca); at this scale one flipped item is 100/(items) points, so the KL row of the figure resolves what accuracy cannot.",
		"Figure `fig1_mpft_divergence`: top, accuracy divergence per method and family (one column per fine-tuning precision; fp32 shows LoRA alone, since fp32 full fine-tuning is the reference); bottom, mean KL on a log axis (zero KL has no dot).")
	return c
}

// familyMeans formats each family's divergence averaged over settings.
func familyMeans(d mpftData, sts []setting) string {
	var parts []string
	for _, f := range d.families {
		var xs []float64
		for _, st := range sts {
			if s, ok := d.famDiv[f][st]; ok && s.N > 0 {
				xs = append(xs, s.Mean)
			}
		}
		if len(xs) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s pp", f, fmtPP(spreadOf(xs).Mean)))
		}
	}
	return strings.Join(parts, ", ")
}

func mpftSetting(d mpftData, rs []store.Result) string {
	var names []string
	seeds := map[int64]bool{}
	for _, r := range d.rows {
		names = append(names, r.name)
	}
	sums, _ := decodeSummaries[summary.MPFT](rs)
	for _, s := range sums {
		seeds[s.Model.Seed] = true
	}
	steps := 0
	if len(sums) > 0 {
		steps = sums[0].Train.Steps
	}
	var cfg struct {
		Train struct {
			Dataset string `json:"dataset"`
		} `json:"train"`
		Params struct {
			EvalPrecision string `json:"eval_precision"`
		} `json:"params"`
	}
	if len(rs) > 0 {
		json.Unmarshal(rs[0].Config, &cfg)
	}
	ms := make([]string, len(d.methods))
	for i, m := range d.methods {
		ms[i] = methodLabel(m)
	}
	return fmt.Sprintf("bases %s, instruction-tuned for %d steps on data set %q by %s in %s; %d seed(s); both models evaluated in %s on the k-shot suite",
		strings.Join(uniqStrings(names), ", "), steps, cfg.Train.Dataset, strings.Join(ms, ", "), strings.Join(d.precisions, ", "), len(seeds), orDash(cfg.Params.EvalPrecision))
}

func buildMPFT(rs []store.Result, out Out) ([]Claim, error) {
	sums, err := decodeSummaries[summary.MPFT](rs)
	if err != nil {
		return nil, err
	}
	d := collectMPFT(sums)
	if err := mpftFigure(d).Write(out.Figures); err != nil {
		return nil, err
	}
	if err := mpftTable(d).Write(out.Tables); err != nil {
		return nil, err
	}
	return []Claim{mpftClaimFrom(d, rs)}, nil
}

// divergedRows counts the settings with a diverged fine-tune.
func divergedRows(d mpftData) int {
	n := 0
	for _, r := range d.rows {
		if r.diverged {
			n++
		}
	}
	return n
}
