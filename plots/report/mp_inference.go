package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/plots"
)

// Table 1 of the paper: the same pretrained checkpoints evaluated in fp32,
// fp16 and bf16; Mamba's divergence from fp32 is comparable to the
// Transformers'. Kind "mpdiv" writes one summary.MPInference per (model,
// seed).

func init() {
	Register(Experiment{Name: "mp_inference", Order: 20, Build: buildMPInference, Placeholder: []Claim{mpInferenceClaim()}})
}

func mpInferenceClaim() Claim {
	return Claim{ID: "table1-mp-inference",
		Title:   "Table 1: Mamba's mixed-precision inference diverges from fp32 about as much as Transformers'",
		Paper:   "fp16 and bf16 inference change Mamba's benchmark accuracy by about as much as Pythia's and OLMo's (divergence from fp32, roughly similar); no number verified",
		Figures: []string{"table1_mp_divergence"}, Tables: []string{"table1_mp_inference"}}
}

// mpModel is one base model's row of Table 1, over its seeds.
type mpModel struct {
	name, family string
	params       spread
	acc32        spread             // fp32 accuracy (%), mean over k
	div, flip    map[string]spread  // by precision: DivPP (pp), item flips (%)
	kl, logit    map[string]spread  // mean KL(fp32 || p), max |Δlogit|
	seeds        map[int64]struct{} // seeds seen
}

// mpData is what Table 1's table, figure and claim are made of.
type mpData struct {
	precisions []string // 16-bit precisions, sorted
	models     []*mpModel
	families   []string
	arch       map[string]string // family -> arch
	// famDiv and famKL are per family and precision, spread over seeds of
	// the mean over the family's models.
	famDiv, famKL map[string]map[string]spread
	famDivSeeds   map[string]map[string]seedMeans // per family and precision
	shots         []int
}

func collectMP(sums []summary.MPInference) mpData {
	d := mpData{arch: map[string]string{}, famDiv: map[string]map[string]spread{}, famKL: map[string]map[string]spread{}}
	type acc struct {
		params, acc32        []float64
		div, flip, kl, logit map[string][]float64
	}
	byName := map[string]*mpModel{}
	accs := map[string]*acc{}
	fdiv, fkl := map[string]map[string]seedMeans{}, map[string]map[string]seedMeans{}
	var precs []string
	for _, s := range sums {
		f := familyOf(s.Model)
		m, ok := byName[s.Model.Name]
		if !ok {
			m = &mpModel{name: s.Model.Name, family: f, seeds: map[int64]struct{}{}}
			byName[s.Model.Name], d.models = m, append(d.models, m)
			accs[s.Model.Name] = &acc{div: map[string][]float64{}, flip: map[string][]float64{}, kl: map[string][]float64{}, logit: map[string][]float64{}}
			d.arch[f] = s.Model.Arch
			d.families = append(d.families, f)
		}
		if len(d.shots) == 0 {
			d.shots = s.Shots
		}
		a := accs[s.Model.Name]
		m.seeds[s.Model.Seed] = struct{}{}
		a.params = append(a.params, float64(s.Model.Params))
		for _, r := range s.Rows {
			if r.Precision == "fp32" {
				a.acc32 = append(a.acc32, 100*spreadOf(r.Acc).Mean)
				continue
			}
			precs = append(precs, r.Precision)
			a.div[r.Precision] = append(a.div[r.Precision], r.DivPP)
			a.flip[r.Precision] = append(a.flip[r.Precision], 100*r.ItemFlip)
			a.kl[r.Precision] = append(a.kl[r.Precision], float64(r.MeanKL))
			a.logit[r.Precision] = append(a.logit[r.Precision], float64(r.MaxAbsLogit))
			if fdiv[f] == nil {
				fdiv[f], fkl[f] = map[string]seedMeans{}, map[string]seedMeans{}
			}
			if fdiv[f][r.Precision] == nil {
				fdiv[f][r.Precision], fkl[f][r.Precision] = seedMeans{}, seedMeans{}
			}
			fdiv[f][r.Precision].add(s.Model.Seed, r.DivPP)
			fkl[f][r.Precision].add(s.Model.Seed, float64(r.MeanKL))
		}
	}
	d.precisions = uniqStrings(precs)
	sortPrecisions(d.precisions)
	d.families = uniqStrings(d.families)
	sortFamilies(d.families)
	for _, m := range d.models {
		a := accs[m.name]
		m.params, m.acc32 = spreadOf(a.params), spreadOf(a.acc32)
		m.div, m.flip, m.kl, m.logit = spreads(a.div), spreads(a.flip), spreads(a.kl), spreads(a.logit)
	}
	sort.SliceStable(d.models, func(i, j int) bool {
		a, b := d.models[i], d.models[j]
		if c := compareFamilies(a.family, b.family); c != 0 {
			return c < 0
		}
		if a.params.Mean != b.params.Mean {
			return a.params.Mean < b.params.Mean
		}
		return a.name < b.name
	})
	d.famDivSeeds = fdiv
	for f, byP := range fdiv {
		d.famDiv[f], d.famKL[f] = map[string]spread{}, map[string]spread{}
		for p := range byP {
			d.famDiv[f][p], d.famKL[f][p] = fdiv[f][p].spread(), fkl[f][p].spread()
		}
	}
	return d
}

func spreads(m map[string][]float64) map[string]spread {
	out := make(map[string]spread, len(m))
	for k, xs := range m {
		out[k] = spreadOf(xs)
	}
	return out
}

func mpTable(d mpData) plots.Table {
	t := plots.Table{Name: "table1_mp_inference",
		Caption: "Table 1 (reproduction): divergence of 16-bit inference from fp32, per base model (mean ± sd over seeds)",
		Header:  []string{"model", "family", "params", "seeds", "fp32 acc (%)"}}
	for _, p := range d.precisions {
		t.Header = append(t.Header, p+" div (pp)", p+" item flips (%)", p+" mean KL", p+" max |Δlogit|")
	}
	for _, m := range d.models {
		row := []string{m.name, m.family, humanCount(m.params.Mean), fmt.Sprint(len(m.seeds)), m.acc32.format(fmtPP)}
		for _, p := range d.precisions {
			row = append(row, m.div[p].format(fmtPP), m.flip[p].format(fmtPP), m.kl[p].format(fmtSci), m.logit[p].format(fmtSci))
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = []string{
		fmt.Sprintf("div = mean over task families and shot counts k ∈ %s of |acc_fp32 − acc_p| in percentage points; item flips = share of (item, k) whose correctness differs from fp32; mean KL(fp32 ‖ p) (nats) and max |Δlogit| over the evaluation prompts' next-token distributions. fp32 acc is the mean over k.", intSet(d.shots)),
		"A cell with one number had one seed; — means no result.",
	}
	return t
}

func mpFigure(d mpData) plots.Figure {
	div := plots.Panel{Title: "Accuracy divergence from fp32", XLabel: "inference precision", YLabel: "|Δ accuracy| (pp)",
		Categories: d.precisions, Note: barsNote("bars", d.multiSeed())}
	kl := plots.Panel{Title: "Logit divergence: KL(fp32 ‖ p)", XLabel: "inference precision", YLabel: "mean KL (nats)",
		Categories: d.precisions, LogY: true, Note: barsNote("dots", d.multiSeed())}
	for i, f := range d.families {
		b := plots.Bars{Label: f, Color: familyColor(f)}
		s := plots.Series{Label: f, Color: familyColor(f), Points: true, NoLine: true}
		off := dotOffset(i, len(d.families))
		for j, p := range d.precisions {
			v, lo, hi := d.famDiv[f][p].bar()
			b.Values, b.Lo, b.Hi = append(b.Values, v), append(b.Lo, lo), append(b.Hi, hi)
			v, lo, hi = d.famKL[f][p].bar()
			s.X, s.Y, s.Lo, s.Hi = append(s.X, float64(j)+off), append(s.Y, v), append(s.Lo, lo), append(s.Hi, hi)
		}
		b.Lo, b.Hi, s.Lo, s.Hi = dropNaN(b.Lo), dropNaN(b.Hi), dropNaN(s.Lo), dropNaN(s.Hi)
		div.Bars = append(div.Bars, b)
		kl.Series = append(kl.Series, s)
	}
	div.HLines = []plots.HLine{{Y: 0}}
	return plots.Figure{Name: "table1_mp_divergence", Cols: 2, Panels: []plots.Panel{div, kl},
		Caption: "Divergence of fp16/bf16 inference from fp32 per model family: accuracy (left) and next-token distributions (right)"}
}

func (d mpData) multiSeed() bool {
	for _, m := range d.models {
		if len(m.seeds) > 1 {
			return true
		}
	}
	return false
}

// dotOffset spreads n dots of a category around its centre.
func dotOffset(i, n int) float64 {
	if n < 2 {
		return 0
	}
	return 0.3 * (float64(i)/float64(n-1) - 0.5)
}

// mpMarginFrac is Table 1's margin: Mamba's divergence may exceed the
// Transformers' mean by at most this fraction of that mean ("about as
// much": up to 1.5 times).
const mpMarginFrac = 0.5

func mpClaim(d mpData, rs []store.Result, opt bootstrap.Options) Claim {
	c := mpInferenceClaim()
	mamba, transformers := sides(d.families, d.arch)
	var parts []string
	var outcomes []int
	for _, p := range d.precisions {
		var fs []string
		for _, f := range d.families {
			fs = append(fs, fmt.Sprintf("%s %s", f, d.famDiv[f][p].format(fmtPP)))
		}
		part := fmt.Sprintf("%s: %s pp", p, strings.Join(fs, ", "))
		if mamba != "" && d.famDivSeeds[mamba][p] != nil {
			var ts [][]float64
			tMean := 0.0
			for _, f := range transformers {
				if v := d.famDivSeeds[f][p].values(); len(v) > 0 {
					ts = append(ts, v)
					tMean += d.famDiv[f][p].Mean
				}
			}
			if len(ts) > 0 {
				tMean /= float64(len(ts))
				diff := seedDiffCI(d.famDivSeeds[mamba][p].values(), ts, opt)
				margin := mpMarginFrac * tMean
				o := marginVerdict(diff, margin)
				outcomes = append(outcomes, o)
				part += fmt.Sprintf(" (Mamba − Transformers' mean %s pp, margin %s pp: %s)", ciText(diff), fmtPP(margin), outcomeWord[o])
			}
		}
		parts = append(parts, part)
	}
	c.Ours = strings.Join(parts, "; ")
	if c.Ours == "" {
		c.Ours = "—"
	}
	c.Verdict = tallyOutcomes(outcomes)
	if len(outcomes) == 0 {
		c.Notes = append(c.Notes, "No comparison: the results lack a Mamba family or a Transformer family (GPT-NeoX, Llama).")
	}
	kls := []string{}
	for _, p := range d.precisions {
		var fs []string
		for _, f := range d.families {
			fs = append(fs, fmt.Sprintf("%s %s", f, fmtSci(d.famKL[f][p].mean())))
		}
		kls = append(kls, fmt.Sprintf("%s: %s", p, strings.Join(fs, ", ")))
	}
	c.Setting = mpSetting(d, rs)
	c.Notes = append(c.Notes,
		mpRule,
		"Logit level (mean KL(fp32 ‖ p), nats): "+strings.Join(kls, "; ")+".",
		"At this scale one flipped item moves accuracy by 100/(items) points, so accuracy divergences are coarse; the KL and max |Δlogit| columns of the table resolve smaller differences. fp16/bf16 are emulated: values are stored in float32 and rounded to 16 bits where PyTorch's autocast would compute in 16 bits (docs/precision.md).",
		"Figure `table1_mp_divergence`: left, accuracy divergence per family and precision (bars, whiskers ± 1 sd over seeds); right, mean KL on a log axis (a family with zero KL has no dot).")
	return c
}

// mpSetting describes the models, seeds, shots and evaluation of Table 1.
func mpSetting(d mpData, rs []store.Result) string {
	var names []string
	seeds := map[int64]bool{}
	for _, m := range d.models {
		names = append(names, fmt.Sprintf("%s (%s)", m.name, humanCount(m.params.Mean)))
		for s := range m.seeds {
			seeds[s] = true
		}
	}
	var cfg struct {
		Eval struct {
			Items int `json:"items"`
		} `json:"eval"`
		Params struct {
			LogitTasks int `json:"logit_tasks"`
			LogitShots int `json:"logit_shots"`
		} `json:"params"`
	}
	if len(rs) > 0 {
		json.Unmarshal(rs[0].Config, &cfg)
	}
	return fmt.Sprintf("%d base models: %s; %d seed(s); k-shot multiple-choice suite at k ∈ %s (%d items per task); logits compared on %d tasks' prompts at %d shots",
		len(d.models), strings.Join(names, ", "), len(seeds), intSet(d.shots), cfg.Eval.Items, cfg.Params.LogitTasks, cfg.Params.LogitShots)
}

// mpRule is Table 1's rule as the report prints it.
const mpRule = "Rule: in each 16-bit precision, d = Mamba's divergence − the mean of the Transformer families' (each family: mean over seeds of its models' mean, pp), with a 95% bootstrap CI that resamples each family's seeds. The precision passes when the CI lies at or below the margin, 0.5 × the Transformers' mean (Mamba diverges at most 1.5 times as much), fails when it lies wholly above it, and is inconclusive when it straddles the margin or has fewer than 2 seeds. Reproduces if every precision passes, partly if some do, does not if none does and some fail, inconclusive at this scale if all are inconclusive."

func buildMPInference(rs []store.Result, out Out) ([]Claim, error) {
	sums, err := decodeSummaries[summary.MPInference](rs)
	if err != nil {
		return nil, err
	}
	d := collectMP(sums)
	if err := mpFigure(d).Write(out.Figures); err != nil {
		return nil, err
	}
	if err := mpTable(d).Write(out.Tables); err != nil {
		return nil, err
	}
	return []Claim{mpClaim(d, rs, bootOptions(rs))}, nil
}
