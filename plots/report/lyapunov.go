package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/metrics/stats"
	"github.com/ssmlab/ssmlab/models"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/plots"
)

// The Lyapunov experiment (configs/lyapunov.toml, kind lyapunov): Theorem 1
// of arXiv 2406.00209 and its empirical check. Figures: lyapunov_deviation
// (deviation against N with the bound), lyapunov_exponents (exact ζ per
// layer, QR against exact); table lyapunov_exponents.

func init() {
	Register(Experiment{Name: "lyapunov", Order: 1, Build: buildLyapunov, Placeholder: lyapPlaceholders()})
}

const (
	paperTheorem1 = "ζ ≤ 0 for every Mamba SSM layer (A < 0 and Δ = softplus(·) > 0), so a perturbation of state and input does not grow: max|F^N(x, u) − F^N(x+ε, u+ε)| ∈ O(ε·e^{Nζ})"
	paperCheck    = "on many randomly generated SSM layers, perturbing the initial latent state and the inputs, the maximum output deviation falls off exponentially with discrete time"
	paperMamba2   = "the argument covers Mamba-2, whose A is a negative scalar per head"
	paperEvery    = "small input deviations such as FP16/BF16 rounding do not grow exponentially, so mixed-precision fine-tuning stays close to full precision (the paper's motivation for Theorem 1; it perturbs once, at t0)"

	titleTheorem1 = "Theorem 1: Mamba's maximal Lyapunov exponent ζ ≤ 0 (by construction: checks the implementation)"
	titleMamba2   = "Theorem 1 for Mamba-2 (ζ ≤ 0 by construction: checks the implementation)"
	titleEvery    = "Theorem 1 under rounding-like noise at every token: the accumulated deviation stays bounded"

	// byConstruction says why the ζ ≤ 0 rows cannot fail on a correct
	// implementation.
	byConstruction = "By construction (checks the implementation, not the paper): A = −exp(A_log) < 0 and Δ = softplus(·) > 0 make every Ā = exp(ΔA) lie in (0, 1), so ζ ≤ 0 holds for any weights; a ζ > 0 here would be a bug in our code. The row that can fail is the every-step perturbation below."
	// everyBounded is the largest late slope of log deviation against
	// log N that counts as levelled off (a random walk gives 1/2, linear
	// accumulation 1).
	everyBounded = 0.25
)

func lyapPlaceholders() []Claim {
	return []Claim{
		{ID: "theorem1", Title: titleTheorem1, Paper: paperTheorem1},
		{ID: "theorem1-check", Title: "Theorem 1, empirical check: perturbations of random SSM layers decay within O(ε·e^{Nζ})", Paper: paperCheck},
		{ID: "theorem1-mamba2", Title: titleMamba2, Paper: paperMamba2},
		{ID: "theorem1-every-step", Title: titleEvery, Paper: paperEvery},
	}
}

// lyapTrial is one finished trial of the experiment.
type lyapTrial struct {
	key   string
	s     summary.Lyapunov
	model struct {
		Arch    string `json:"arch"`
		Path    string `json:"path"`
		DModel  int    `json:"d_model"`
		Layers  int    `json:"layers"`
		DState  int    `json:"d_state"`
		Expand  int    `json:"expand"`
		HeadDim int    `json:"head_dim"`
		Heads   int    `json:"heads"`
	}
}

func readLyapunov(rs []store.Result) ([]lyapTrial, error) {
	var out []lyapTrial
	for _, r := range rs {
		t := lyapTrial{key: r.Key}
		if err := json.Unmarshal(r.Summary, &t.s); err != nil {
			return nil, fmt.Errorf("%s: summary.json: %v", r.Dir, err)
		}
		var cfg struct {
			Model json.RawMessage `json:"model"`
		}
		if err := json.Unmarshal(r.Config, &cfg); err == nil && cfg.Model != nil {
			json.Unmarshal(cfg.Model, &t.model)
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return lyapRank(out[i]) < lyapRank(out[j]) })
	return out, nil
}

// lyapRank orders subjects for tables and legends: random SSM layers,
// whole SSM models, trained models, Transformers, then the RNN by radius.
func lyapRank(t lyapTrial) float64 {
	r := float64(models.Order(t.s.Arch))
	switch {
	case t.s.Trained:
		r += 2
	case t.s.LayersPerDraw > 1:
		r += 0.5
	}
	return r*100 + t.s.Radius
}

// ssm reports whether the trial's layers are Mamba (family "mamba") or
// Mamba-2 ("mamba2").
func (t lyapTrial) is(arch string) bool { return t.s.Arch == arch && t.s.Stats.Layers > 0 }

func buildLyapunov(rs []store.Result, out Out) ([]Claim, error) {
	ts, err := readLyapunov(rs)
	if err != nil {
		return nil, err
	}
	figs := []plots.Figure{lyapDeviationFigure(ts), lyapExponentsFigure(ts)}
	for _, f := range figs {
		if err := f.Write(out.Figures); err != nil {
			return nil, err
		}
	}
	if err := lyapTable(ts).Write(out.Tables); err != nil {
		return nil, err
	}
	return lyapClaims(ts), nil
}

// lyapClaims sets the theorem, its empirical check and Mamba-2 beside what
// the trials measured; the controls become notes.
func lyapClaims(ts []lyapTrial) []Claim {
	figs, tabs := []string{"lyapunov_exponents"}, []string{"lyapunov_exponents"}
	claims := []Claim{
		exactClaim("theorem1", titleTheorem1, paperTheorem1, ts, "mamba", figs, tabs),
		checkClaim(ts),
		exactClaim("theorem1-mamba2", titleMamba2, paperMamba2, ts, "mamba2", []string{"lyapunov_exponents", "lyapunov_deviation"}, tabs),
		everyClaim(ts),
	}
	return claims
}

// exactClaim: every layer of the family has ζ ≤ 0 (random and trained),
// with QR's agreement; for Mamba-2 also the bound.
func exactClaim(id, title, paper string, ts []lyapTrial, arch string, figs, tabs []string) Claim {
	c := Claim{ID: id, Title: title, Paper: paper, Figures: figs, Tables: tabs}
	var parts, settings []string
	layers, nonpos, tested, held := 0, 0, 0, 0
	for _, t := range ts {
		if !t.is(arch) {
			continue
		}
		st := t.s.Stats
		layers, nonpos = layers+st.Layers, nonpos+st.NonPositive
		tested, held = tested+st.BoundTested, held+st.BoundHeld
		p := fmt.Sprintf("ζ ≤ 0 on %d/%d layers of %s (ζ from %s to %s per token, median %s)", st.NonPositive, st.Layers, t.s.Label, g3(st.ZetaMin), g3(st.ZetaMax), g3(st.ZetaMedian))
		if n := len(st.QR); n > 0 {
			q := st.QR[n-1]
			p += fmt.Sprintf("; QR on %d of them agrees with the exact spectrum to %s at %d steps", q.Units, g3(q.MaxErr), q.Steps)
			if rs := qrRelErr(t); len(rs) > 0 {
				r := rs[len(rs)-1]
				p += fmt.Sprintf(", %s of |ζ| (median; max %s)", pct(r.median), pct(r.max))
			}
		}
		if arch == "mamba2" {
			p += fmt.Sprintf("; bound held on %d/%d layer×ε runs (C ≤ %s)", st.BoundHeld, st.BoundTested, g3(st.CMax))
		}
		parts = append(parts, p)
		settings = append(settings, lyapSetting(t))
	}
	if layers == 0 {
		c.Verdict, c.Ours = NotRun, "—"
		c.Notes = append(c.Notes, fmt.Sprintf("No %s layers in these results; add one to configs/lyapunov.toml.", arch))
		return c
	}
	c.Ours = strings.Join(parts, "; ") + "."
	c.Setting = strings.Join(settings, " ")
	c.Notes = append(c.Notes, byConstruction)
	if n := qrResolution(ts, arch); n != "" {
		c.Notes = append(c.Notes, n)
	}
	switch {
	case nonpos == layers && (arch != "mamba2" || held == tested):
		c.Verdict = Reproduces
	case nonpos < layers:
		c.Verdict = DoesNot
		c.Notes = append(c.Notes, fmt.Sprintf("%d of %d layers had ζ > 0.", layers-nonpos, layers))
	default:
		c.Verdict = Partly
		c.Notes = append(c.Notes, fmt.Sprintf("Every layer has ζ ≤ 0, but the bound failed on %d of %d layer×ε runs (see the table).", tested-held, tested))
	}
	if arch == "mamba" {
		c.Notes = append(c.Notes, qrNote(ts))
	}
	return c
}

// checkClaim: the bound and the decay of state and output deviations of
// random Mamba layers (and trained ones); the controls as notes.
func checkClaim(ts []lyapTrial) Claim {
	c := Claim{ID: "theorem1-check", Title: "Theorem 1, empirical check: perturbations of random SSM layers decay within O(ε·e^{Nζ})",
		Paper: paperCheck, Figures: []string{"lyapunov_deviation"}, Tables: []string{"lyapunov_exponents"}}
	var parts, settings []string
	tested, held, rates, ratePos, outs, outPos := 0, 0, 0, 0, 0, 0
	for _, t := range ts {
		if !t.is("mamba") {
			continue
		}
		st := t.s.Stats
		tested, held = tested+st.BoundTested, held+st.BoundHeld
		rates, ratePos = rates+st.RateTested, ratePos+st.RateTested-st.RateNonPositive
		outs, outPos = outs+st.OutputTested, outPos+st.OutputTested-st.OutputNonPos
		parts = append(parts, fmt.Sprintf("%s: bound held on %d/%d layer×ε runs (C ≤ %s, c_max %s); state deviation decays at a median %s per token (ζ median %s; |rate − ζ|/|ζ| median %s, max %s); layer output deviation decays on %d/%d runs (median rate %s per token)",
			t.s.Label, st.BoundHeld, st.BoundTested, g3(st.CMax), g3(t.s.Settings.CMax), g3(st.RateMedian), g3(st.ZetaMedian),
			pct(st.RateRelErrMedian), pct(st.RateRelErrMax), st.OutputNonPos, st.OutputTested, g3(st.OutputRateMedian)))
		settings = append(settings, lyapSetting(t))
	}
	if tested == 0 {
		c.Verdict, c.Ours = NotRun, "—"
		c.Notes = append(c.Notes, "No Mamba layers in these results.")
		return c
	}
	c.Ours, c.Setting = strings.Join(parts, "; ")+".", strings.Join(settings, " ")
	failed := tested - held + ratePos + outPos
	switch {
	case failed == 0:
		c.Verdict = Reproduces
	case held*10 >= tested*9 && ratePos == 0:
		c.Verdict = Partly
	default:
		c.Verdict = DoesNot
	}
	if failed > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("Failed: the bound on %d of %d runs, a growing state deviation on %d of %d, a growing output deviation on %d of %d.", tested-held, tested, ratePos, rates, outPos, outs))
	}
	for _, t := range ts {
		if t.is("mamba") && !math.IsNaN(float64(t.s.Stats.ZetaMax)) {
			z := float64(t.s.Stats.ZetaMax)
			why := "mamba_ssm's init puts Δ in [0.001, 0.1] and A = −(1…N), so the slowest mode decays at about Δ_min ≈ 0.001 per token."
			if t.s.Trained {
				why = fmt.Sprintf("after training, the slowest mode (smallest Δ·|A| along the input) decays at %s per token.", g3(-z))
			}
			c.Notes = append(c.Notes, fmt.Sprintf("The decay is exponential but slow for %s: the largest ζ is %s per token, so over N = %d tokens the bound falls only by a factor e^{Nζ} = %s; %s",
				t.s.Label, g3(z), t.s.Settings.SeqLen-t.s.Settings.At, g3(math.Exp(z*float64(t.s.Settings.SeqLen-t.s.Settings.At))), why))
		}
	}
	return withControlNotes(c, ts)
}

// withControlNotes adds the RNN and Transformer contrast.
func withControlNotes(c Claim, ts []lyapTrial) Claim {
	var rnn, seq, stack []string
	tfRuns, tfDecay := 0, 0
	for _, t := range ts {
		st := t.s.Stats
		switch {
		case models.IsKind(t.s.Arch, models.Recurrent):
			rnn = append(rnn, fmt.Sprintf("ρ = %g: QR λ_max %s (DNS %s; > 0 in %d/%d nets), perturbation rate %s", t.s.Radius, g3(st.LambdaMax), g3(st.DNSMax), st.LambdaPositive, st.Models, g3(st.ModelStateRate)))
		case models.IsKind(t.s.Arch, models.Attention):
			seq = append(seq, fmt.Sprintf("%s logit deviation ∝ N^%s (exponential fit %s per token)", t.s.Label, g3(st.ModelOutputPower), g3(st.ModelOutputRate)))
			tfRuns++
			if float64(st.ModelOutputPower) < 0 {
				tfDecay++
			}
		case st.Models > 0 && st.Layers > 0:
			stack = append(stack, fmt.Sprintf("%s (whole model, %d stacks): logit deviation ∝ N^%s (exponential fit %s per token), stacked state rate %s, bound's rate condition held on %d/%d (C ≤ %s includes the first RMSNorm's gain on the small init embeddings)",
				t.s.Label, st.Models, g3(st.ModelOutputPower), g3(st.ModelOutputRate), g3(st.ModelStateRate), st.ModelBoundHeld, st.ModelBoundTested, g3(st.ModelCMax)))
		}
	}
	if len(rnn) > 0 {
		c.Notes = append(c.Notes, "Unstable control, the tanh RNN (per token; median over draws): "+strings.Join(rnn, "; ")+". Only ρ = 2 grows, as the figure shows.")
	}
	if len(seq)+len(stack) > 0 {
		c.Notes = append(c.Notes, "Whole models after perturbing one input embedding by ±ε (Transformers have no fixed-size state to perturb, so the logit deviation at later positions is their comparable statistic; docs/metrics.md): "+strings.Join(append(seq, stack...), "; ")+".")
	}
	switch {
	case tfRuns > 0 && tfDecay == tfRuns:
		c.Notes = append(c.Notes, "The Transformers behave the same here: their logit deviation after one perturbed embedding also decays (a power law in N), so decay after a single perturbation does not separate Mamba from Transformers; it separates the SSMs only from the unstable RNN control.")
	case tfRuns > 0:
		c.Notes = append(c.Notes, fmt.Sprintf("%d of %d Transformer subjects' logit deviation does not decay after one perturbed embedding.", tfRuns-tfDecay, tfRuns))
	}
	return c
}

func qrNote(ts []lyapTrial) string {
	var parts []string
	for _, t := range ts {
		if !t.is("mamba") || len(t.s.Stats.QR) < 2 {
			continue
		}
		var pts []string
		for _, q := range t.s.Stats.QR {
			pts = append(pts, fmt.Sprintf("%s at %d", g3(q.MedianErr), q.Steps))
		}
		parts = append(parts, fmt.Sprintf("%s: %s steps (error·T %s → %s)", t.s.Label, strings.Join(pts, ", "), g3(t.s.Stats.QR[0].ErrTimesSteps), g3(t.s.Stats.QR[len(t.s.Stats.QR)-1].ErrTimesSteps)))
	}
	if len(parts) == 0 {
		return "QR was not run on Mamba layers."
	}
	return "QR's median error against the exact spectrum (top " + fmt.Sprint(ts[0].s.Settings.QRK) + " exponents, random orthonormal start): " + strings.Join(parts, "; ") +
		". QR starts from a random orthonormal Q and averages over the second half of each run (the first half is Q's transient: with the dense spectrum of mamba_ssm's init, exponents about 1e-4 apart, Q turns towards the leading directions only over hundreds of steps). The error falls like 1/T when error·T stays constant."
}

// lyapSetting describes a trial's subject and protocol in one sentence.
func lyapSetting(t lyapTrial) string {
	s, m := t.s.Settings, t.model
	what := fmt.Sprintf("%d draws with the architecture's own init (mamba_ssm's)", s.Draws)
	if t.s.Trained {
		what = "checkpoint " + t.s.Source
	}
	size := ""
	if m.DModel > 0 {
		size = fmt.Sprintf(", d_model %d, %d layer(s)", m.DModel, m.Layers)
		if m.DState > 0 {
			size += fmt.Sprintf(", d_state %d", m.DState)
		}
	}
	return fmt.Sprintf("%s: %s%s; one random token sequence of T = %d; state and input perturbed by %s at t0 = %d for ε ∈ {%s}; fp32.",
		t.s.Label, what, size, s.SeqLen, s.Pattern, s.At, strings.Join(s.EpsNames, ", "))
}

// lyapTable lists per subject and unit kind the exponents, rates, QR and
// the bound.
func lyapTable(ts []lyapTrial) plots.Table {
	tb := plots.Table{Name: "lyapunov_exponents",
		Caption: "Lyapunov exponents and perturbation growth per subject (per token). ζ: exact maximal exponent over the perturbed window; rate: fitted decay of max|δ state| (SSM: later half above the noise floor; RNN: until saturation); QR λ₁: leading QR exponent at the longest run; held: runs (units × ε) on which dev ≤ C·ε·e^{Nζ} held (stacks: rate condition only); out: fitted rate / power law of the output deviation.",
		Header:  []string{"subject", "units", "ζ max", "ζ median", "state rate", "|rate−ζ|/|ζ|", "QR λ₁", "QR−exact", "held", "C max", "out rate", "out N^p"}}
	for _, t := range ts {
		st := t.s.Stats
		if st.Layers > 0 {
			qr, qe := "—", "—"
			if n := len(st.QR); n > 0 {
				qe = g3(st.QR[n-1].MaxErr)
				qr = g3(medianQR(t.s.Units, summary.UnitLayer))
			}
			tb.Rows = append(tb.Rows, []string{t.s.Label + " layers", fmt.Sprint(st.Layers), g3(st.ZetaMax), g3(st.ZetaMedian), g3(st.RateMedian),
				pct(st.RateRelErrMedian), qr, qe, fmt.Sprintf("%d/%d", st.BoundHeld, st.BoundTested), g3(st.CMax), g3(st.OutputRateMedian), "—"})
		}
		if st.Models > 0 {
			name, held, c, zmax := t.s.Label, "—", "—", summary.NaN()
			if st.Layers > 0 {
				name += " stacks"
				held, c = fmt.Sprintf("%d/%d", st.ModelBoundHeld, st.ModelBoundTested), g3(st.ModelCMax)
				zmax = modelZeta(t.s.Units)
			}
			qe := "—"
			if n := len(st.ModelQR); n > 0 {
				qe = g3(st.ModelQR[n-1].MaxErr)
			}
			tb.Rows = append(tb.Rows, []string{name, fmt.Sprint(st.Models), g3(zmax), "—", g3(st.ModelStateRate), "—",
				g3(st.LambdaMax), qe, held, c, g3(st.ModelOutputRate), g3(st.ModelOutputPower)})
		}
	}
	tb.Notes = []string{"Units: random layers (one per draw of a one-layer spec, or every layer of a model), whole models (stacked recurrence or Transformer), or RNN draws. — : not applicable or not run."}
	return tb
}

func medianQR(us []summary.LyapunovUnit, kind string) float64 {
	var v []float64
	for _, u := range us {
		if u.Kind == kind && len(u.QR) > 0 {
			v = append(v, float64(u.QR[len(u.QR)-1].Exponents[0]))
		}
	}
	return stats.Quantile(v, 0.5)
}

func modelZeta(us []summary.LyapunovUnit) summary.Float {
	z := summary.NaN()
	for _, u := range us {
		if u.Kind == summary.UnitModel && !math.IsNaN(float64(u.Zeta)) && (math.IsNaN(float64(z)) || u.Zeta > z) {
			z = u.Zeta
		}
	}
	return z
}

// g3 formats with 3 significant digits, "—" for NaN.
func g3[F ~float64](v F) string {
	f := float64(v)
	if math.IsNaN(f) {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.3g", f), "e-0", "e-", 1)
}

func pct[F ~float64](v F) string {
	if math.IsNaN(float64(v)) {
		return "—"
	}
	return fmt.Sprintf("%.2g%%", 100*float64(v))
}

// qrRel is QR's error on the leading exponent relative to the exact one,
// |λ₁(QR) − ζ| / |ζ| over the same window, across a trial's layer units at
// one run length.
type qrRel struct {
	steps       int
	median, max float64
	units       int
}

// qrRelErr is qrRel at each QR length of the trial's layer units.
func qrRelErr(t lyapTrial) []qrRel {
	byLen := map[int][]float64{}
	var lens []int
	for _, u := range t.s.Units {
		if u.Kind != summary.UnitLayer {
			continue
		}
		for _, q := range u.QR {
			if len(q.Exact) == 0 || len(q.Exponents) == 0 {
				continue
			}
			ex := float64(q.Exact[0])
			if ex == 0 || math.IsNaN(ex) {
				continue
			}
			if _, ok := byLen[q.Steps]; !ok {
				lens = append(lens, q.Steps)
			}
			byLen[q.Steps] = append(byLen[q.Steps], math.Abs(float64(q.Exponents[0])-ex)/math.Abs(ex))
		}
	}
	sort.Ints(lens)
	var out []qrRel
	for _, n := range lens {
		v := byLen[n]
		out = append(out, qrRel{steps: n, median: stats.Quantile(v, 0.5), max: stats.Quantile(v, 1), units: len(v)})
	}
	return out
}

// qrTarget is the relative error QR must get under to resolve ζ.
const qrTarget = 0.10

// qrResolution says, per trial of arch, whether QR's error on ζ got under
// 10% of |ζ| at its longest run, and if not, how long a run would need to
// be when the error falls like 1/T (measured: error·T about constant).
func qrResolution(ts []lyapTrial, arch string) string {
	var parts []string
	for _, t := range ts {
		if !t.is(arch) {
			continue
		}
		rs := qrRelErr(t)
		if len(rs) == 0 {
			continue
		}
		var pts []string
		for _, r := range rs {
			pts = append(pts, fmt.Sprintf("%s at %d", pct(r.median), r.steps))
		}
		last := rs[len(rs)-1]
		verdict := "under 10%: QR resolves ζ"
		if !(last.max < qrTarget) {
			need := float64(last.steps) * last.max / qrTarget
			verdict = fmt.Sprintf("not under 10%% (max %s): QR cannot resolve ζ at this length; at the 1/T rate it would need about %d averaged steps", pct(last.max), int(math.Ceil(need)))
		}
		parts = append(parts, fmt.Sprintf("%s: %s steps, %s", t.s.Label, strings.Join(pts, ", "), verdict))
	}
	if len(parts) == 0 {
		return ""
	}
	return "QR's error on the leading exponent relative to |ζ| (median over the units with QR): " + strings.Join(parts, "; ") + "."
}

// everyStats aggregates a trial's every-step runs for one ε over a unit
// kind: medians of the final deviation over ε and of the late slope, the
// largest C, and how many runs levelled off and kept C <= c_max.
type everyStats struct {
	runs, bounded, held int
	finalOverEps, slope float64
	cMax                float64
}

func everyOfTrial(t lyapTrial, kind string, e int) everyStats {
	st := everyStats{cMax: math.NaN()}
	var finals, slopes []float64
	for _, u := range t.s.Units {
		if u.Kind != kind || e >= len(u.Every) {
			continue
		}
		ev := u.Every[e]
		st.runs++
		finals = append(finals, float64(ev.OutputFinal)/float64(ev.Eps))
		slopes = append(slopes, float64(ev.OutputSlope))
		if float64(ev.OutputSlope) <= everyBounded {
			st.bounded++
		}
		c := float64(ev.C)
		if !math.IsNaN(c) {
			if math.IsNaN(st.cMax) || c > st.cMax {
				st.cMax = c
			}
			if c <= float64(t.s.Settings.CMax) {
				st.held++
			}
		}
	}
	st.finalOverEps, st.slope = stats.Quantile(finals, 0.5), stats.Quantile(slopes, 0.5)
	return st
}

// everyClaim: rounding-like noise at every token. The SSM layers' state
// deviation must stay within C·ε·Σ e^{jζ} (C <= c_max) and their output
// deviation level off; the Transformers and the RNN controls are measured
// the same way, to say whether this separates Mamba from them.
func everyClaim(ts []lyapTrial) Claim {
	c := Claim{ID: "theorem1-every-step", Title: titleEvery, Paper: paperEvery, Figures: []string{"lyapunov_deviation"}, Tables: []string{"lyapunov_exponents"}}
	c.Notes = append(c.Notes, "Figure `lyapunov_deviation`, last two rows: the output deviation of SSM layers and of whole models (Transformers, RNN controls) under this noise.")
	var ssm, others []string
	runs, pass := 0, 0
	var tfBounded, tfRuns int
	var epsSet []string
	for _, t := range ts {
		for e, eps := range t.s.Settings.EveryEps {
			name := g3(float64(eps))
			if eps == 0x1p-11 {
				name = "2^-11"
			} else if eps == 0x1p-8 {
				name = "2^-8"
			}
			if !slices.Contains(epsSet, name) {
				epsSet = append(epsSet, name)
			}
			if t.s.Arch == "mamba" || t.s.Arch == "mamba2" {
				kind := summary.UnitLayer
				if t.s.Stats.Layers == 0 {
					continue
				}
				st := everyOfTrial(t, kind, e)
				if st.runs == 0 {
					continue
				}
				ok := 0
				for _, u := range t.s.Units {
					if u.Kind == kind && e < len(u.Every) && float64(u.Every[e].OutputSlope) <= everyBounded && float64(u.Every[e].C) <= float64(t.s.Settings.CMax) {
						ok++
					}
				}
				runs, pass = runs+st.runs, pass+ok
				ssm = append(ssm, fmt.Sprintf("%s layers, ε = %s: state within C·ε·Σe^{jζ} on %d/%d (C ≤ %s), output levelled off on %d/%d (late slope median %s), final output deviation %s·ε",
					t.s.Label, name, st.held, st.runs, g3(st.cMax), st.bounded, st.runs, g3(st.slope), g3(st.finalOverEps)))
				continue
			}
			st := everyOfTrial(t, summary.UnitModel, e)
			if st.runs == 0 {
				continue
			}
			if t.s.Arch == "gpt_neox" || t.s.Arch == "llama" {
				tfRuns, tfBounded = tfRuns+st.runs, tfBounded+st.bounded
			}
			others = append(others, fmt.Sprintf("%s, ε = %s: output levelled off on %d/%d (late slope median %s), final logit deviation %s·ε",
				t.s.Label, name, st.bounded, st.runs, g3(st.slope), g3(st.finalOverEps)))
		}
	}
	if runs == 0 {
		c.Verdict, c.Ours = NotRun, "—"
		c.Notes = append(c.Notes, "No every-step perturbation of Mamba or Mamba-2 layers in these results (params.every_eps).")
		return c
	}
	c.Ours = strings.Join(ssm, "; ") + "."
	c.Setting = fmt.Sprintf("from t0 on, every token's input moved by fresh random ±ε in every coordinate (and the state by ±ε at t0), ε ∈ {%s}; the deviation after N tokens against the accumulated bound ε·Σ_{j≤N} e^{jζ} (Theorem 1 summed over one perturbation per token, < ε/(1 − e^{ζ}) for ever); the same noise on the Transformers' input embeddings and the RNN controls' inputs.", strings.Join(epsSet, ", "))
	switch {
	case pass == runs:
		c.Verdict = Reproduces
	case pass > 0:
		c.Verdict = Partly
	default:
		c.Verdict = DoesNot
	}
	c.Notes = append(c.Notes, fmt.Sprintf("Rule: a layer run passes when its state deviation stays within C·ε·Σ_{j≤N} e^{jζ} with C ≤ c_max at every N and its output deviation levels off (slope of log deviation against log N over the later half ≤ %.2g; a random walk gives 0.5, linear accumulation 1). Reproduces if every Mamba and Mamba-2 layer run passes, partly if some do, does not if none does.", everyBounded))
	if len(others) > 0 {
		c.Notes = append(c.Notes, "Controls under the same noise: "+strings.Join(others, "; ")+".")
	}
	switch {
	case tfRuns > 0 && tfBounded == tfRuns:
		c.Notes = append(c.Notes, "The Transformers behave the same: their accumulated logit deviation under noise at every token also levels off, so bounded accumulation of rounding-like noise does not separate Mamba from Transformers at this scale; only the unstable RNN control (ρ = 2) grows.")
	case tfRuns > 0 && tfBounded > 0:
		c.Notes = append(c.Notes, fmt.Sprintf("The Transformers level off on %d of %d runs: partly the same as Mamba, so this does not cleanly separate them.", tfBounded, tfRuns))
	case tfRuns > 0:
		c.Notes = append(c.Notes, "The Transformers' accumulated logit deviation keeps growing under noise at every token, unlike Mamba's: here the recurrence's stability separates them.")
	}
	return c
}
