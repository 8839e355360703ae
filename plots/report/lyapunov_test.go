package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
)

// Synthetic results of the lyapunov kind: no model runs here.

var synthEps = []float64{0x1p-11, 0x1p-8}

func synthSettings(draws int) summary.LyapunovSettings {
	return summary.LyapunovSettings{SeqLen: 40, At: 4, Eps: summary.Floats(synthEps), EpsNames: []string{"fp16", "bf16"},
		Draws: draws, Floor: 1e-5, Ceiling: 0.1, CMax: 10, RateTol: 0.25, Pattern: "±ε, random signs", QRUnits: 2, QRK: 2,
		QRSteps: []int{24, 40}, QRSkip: 4, Stride: 4}
}

// synthCurve is ε·e^{rate·N} on N = 0, 4, ..., 36 with a ±50% band.
func synthCurve(kind, quantity string, e int, rate, zeta, c float64, units int) summary.DeviationCurve {
	cv := summary.DeviationCurve{Kind: kind, Quantity: quantity, Eps: summary.Float(synthEps[e]), EpsName: []string{"fp16", "bf16"}[e],
		Units: units, ZetaMax: summary.NaN(), CMax: summary.NaN(), Floor: 1e-9}
	if quantity == summary.QuantityState && !math.IsNaN(zeta) {
		cv.ZetaMax, cv.CMax = summary.Float(zeta), summary.Float(c)
	}
	for n := 0; n < 40; n += 4 {
		v := synthEps[e] * math.Exp(rate*float64(n))
		cv.N = append(cv.N, n)
		cv.Median, cv.P10, cv.P90 = append(cv.Median, summary.Float(v)), append(cv.P10, summary.Float(v/2)), append(cv.P90, summary.Float(1.5*v))
	}
	return cv
}

// synthLayers is a trial of random SSM layers with the given exact ζ;
// the bound fails on the first `fail` layer×ε runs.
func synthLayers(model, label, arch string, zetas []float64, fail int) summary.Lyapunov {
	s := summary.Lyapunov{Model: model, Arch: arch, Label: label, Source: "init", ParamCount: 1000, LayersPerDraw: 1, Settings: synthSettings(len(zetas))}
	zmax := math.Inf(-1)
	for i, z := range zetas {
		zmax = math.Max(zmax, z)
		u := summary.LyapunovUnit{Kind: summary.UnitLayer, Draw: i, StateDim: 24, Zeta: summary.Float(z), ZetaSeq: summary.Float(z), ConvFlush: 4, StateScale: 1, OutputScale: 1}
		for e, eps := range synthEps {
			held := fail <= 0
			fail--
			u.Eps = append(u.Eps, summary.UnitEps{Eps: summary.Float(eps), StateRate: summary.Float(1.02 * z), OutputRate: summary.Float(2 * z),
				OutputPower: -0.1, C: summary.Float(1.5 + 0.1*float64(i) + 0.01*float64(e)), Excess: 0, Held: held,
				StateFinal: summary.Float(eps), OutputFinal: summary.Float(eps)})
		}
		if i < 2 {
			for _, steps := range []int{10, 16} {
				u.QR = append(u.QR, summary.QRRun{Steps: steps, Exponents: summary.Floats([]float64{z - 1.0/float64(steps), 2*z - 1.0/float64(steps)}),
					Exact: summary.Floats([]float64{z, 2 * z}), MaxErr: summary.Float(1.0 / float64(steps)), DNS: summary.NaN()})
			}
		}
		s.Units = append(s.Units, u)
	}
	for _, q := range []string{summary.QuantityState, summary.QuantityOutput} {
		for e := range synthEps {
			s.Curves = append(s.Curves, synthCurve(summary.UnitLayer, q, e, zmax, zmax, 1.8, len(zetas)))
		}
	}
	s.Stats = s.Aggregate()
	return s
}

// synthModel is a trial of whole models (the RNN control when radius > 0,
// else a Transformer) whose deviations change at rate per token.
func synthLyapunov(model, label, arch string, radius, rate float64) summary.Lyapunov {
	s := summary.Lyapunov{Model: model, Arch: arch, Label: label, Source: "init", Radius: radius, ParamCount: 500, Settings: synthSettings(2)}
	for d := range 2 {
		u := summary.LyapunovUnit{Kind: summary.UnitModel, Draw: d, Layer: -1, StateDim: 8, Zeta: summary.NaN(), ZetaSeq: summary.NaN()}
		for _, eps := range synthEps {
			u.Eps = append(u.Eps, summary.UnitEps{Eps: summary.Float(eps), StateRate: summary.Float(rate), OutputRate: summary.Float(rate),
				OutputPower: summary.Float(-0.5), C: summary.NaN(), Excess: summary.NaN(), StateFinal: summary.Float(eps), OutputFinal: summary.Float(eps)})
		}
		if radius > 0 {
			u.QR = []summary.QRRun{{Steps: 16, Exponents: summary.Floats([]float64{rate * 0.9}), MaxErr: summary.NaN(), DNS: summary.Float(rate * 0.95)}}
		}
		s.Units = append(s.Units, u)
	}
	for e := range synthEps {
		if radius > 0 {
			s.Curves = append(s.Curves, synthCurve(summary.UnitModel, summary.QuantityState, e, rate, math.NaN(), math.NaN(), 2))
		}
		s.Curves = append(s.Curves, synthCurve(summary.UnitModel, summary.QuantityOutput, e, rate, math.NaN(), math.NaN(), 2))
	}
	s.Stats = s.Aggregate()
	return s
}

func synthResults(t *testing.T, sums ...summary.Lyapunov) []store.Result {
	t.Helper()
	var rs []store.Result
	for _, s := range sums {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := json.Marshal(map[string]any{"model": map[string]any{"arch": s.Arch, "d_model": 16, "layers": 1, "d_state": 4}})
		rs = append(rs, store.Result{Key: "model=" + s.Model, Dir: "results/runs/lyapunov/model=" + s.Model, Config: cfg, Summary: b})
	}
	return rs
}

func goodResults(t *testing.T) []store.Result {
	return synthResults(t,
		synthLayers("mamba-layer", "Mamba (init)", "mamba", []float64{-0.001, -0.0012, -0.0009}, 0),
		synthLayers("mamba2-layer", "Mamba-2 (init)", "mamba2", []float64{-0.01, -0.05, -0.003}, 0),
		synthLyapunov("gpt-neox", "GPT-NeoX (init)", "gpt_neox", 0, -0.002),
		synthLyapunov("rnn-2", "RNN ρ=2", "ssmlab_rnn", 2, 0.1),
		synthLyapunov("rnn-0p5", "RNN ρ=0.5", "ssmlab_rnn", 0.5, -0.7),
	)
}

func claimByID(t *testing.T, cs []Claim, id string) Claim {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no claim %s in %v", id, cs)
	return Claim{}
}

func TestLyapunovReportReproduces(t *testing.T) {
	rs := goodResults(t)
	out := Out{Figures: t.TempDir(), Tables: t.TempDir()}
	cs, err := buildLyapunov(rs, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"theorem1", "theorem1-check", "theorem1-mamba2"} {
		if c := claimByID(t, cs, id); c.Verdict != Reproduces {
			t.Errorf("%s: verdict %q (%s; notes %q)", id, c.Verdict, c.Ours, c.Notes)
		}
	}
	th := claimByID(t, cs, "theorem1")
	if !strings.Contains(th.Ours, "ζ ≤ 0 on 3/3 layers of Mamba (init)") || !strings.Contains(th.Ours, "-0.0012 to -0.0009") {
		t.Errorf("theorem1 ours: %s", th.Ours)
	}
	ck := claimByID(t, cs, "theorem1-check")
	notes := strings.Join(ck.Notes, " ")
	if !strings.Contains(ck.Ours, "bound held on 6/6") || !strings.Contains(notes, "ρ = 2: QR λ_max 0.09") || !strings.Contains(notes, "GPT-NeoX (init) logit deviation ∝ N^-0.5") {
		t.Errorf("check: %s; notes %s", ck.Ours, notes)
	}
	// The GPT-NeoX deviation decays too (N^-0.5): the report must say that
	// this does not separate Mamba from Transformers.
	if !strings.Contains(notes, "The Transformers behave the same here") {
		t.Errorf("check notes do not say the Transformers decay too: %s", notes)
	}
	if th := claimByID(t, cs, "theorem1"); !strings.Contains(strings.Join(th.Notes, " "), "By construction (checks the implementation") {
		t.Errorf("theorem1 does not say ζ ≤ 0 holds by construction: %q", th.Notes)
	}
	for _, f := range []string{"lyapunov_deviation.png", "lyapunov_deviation.svg", "lyapunov_exponents.png"} {
		if st, err := os.Stat(filepath.Join(out.Figures, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	ts, _ := readLyapunov(rs)
	golden(t, "lyapunov_deviation.json", lyapDeviationFigure(ts).Data())
	golden(t, "lyapunov_exponents.json", lyapExponentsFigure(ts).Data())
	golden(t, "lyapunov_exponents.md", []byte(lyapTable(ts).Markdown()))
}

// The bound line of the deviation figure is C·ε·e^{Nζ} of the layers'
// state curve, and each curve ends before the rounding floor.
func TestLyapunovDeviationFigure(t *testing.T) {
	ts, _ := readLyapunov(goodResults(t))
	f := lyapDeviationFigure(ts)
	if len(f.Panels) != 6 || f.Cols != 2 {
		t.Fatalf("%d panels in %d columns, want 3 rows x 2 (fp16, bf16)", len(f.Panels), f.Cols)
	}
	state := f.Panels[0]
	var bound, rnn bool
	for _, s := range state.Series {
		if strings.HasPrefix(s.Label, "bound Mamba:") {
			bound = s.Dashed && math.Abs(s.Y[1]-1.8*0x1p-11*math.Exp(4*-0.0009)) < 1e-12
		}
		rnn = rnn || strings.HasPrefix(s.Label, "RNN ρ=2")
	}
	if !bound || !rnn {
		t.Errorf("state panel: bound %v, RNN ρ=2 %v in %+v", bound, rnn, state.Series)
	}
	if err := f.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLyapunovReportVerdictsSayWhatFailed(t *testing.T) {
	// A Mamba layer with ζ > 0: Theorem 1 does not reproduce.
	rs := synthResults(t, synthLayers("mamba-layer", "Mamba (init)", "mamba", []float64{-0.001, 0.002, -0.0009}, 0))
	cs, err := buildLyapunov(rs, Out{Figures: t.TempDir(), Tables: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	th := claimByID(t, cs, "theorem1")
	if th.Verdict != DoesNot || !strings.Contains(strings.Join(th.Notes, " "), "1 of 3 layers had ζ > 0") {
		t.Errorf("ζ > 0: %q, notes %q", th.Verdict, th.Notes)
	}
	if m2 := claimByID(t, cs, "theorem1-mamba2"); m2.Verdict != NotRun {
		t.Errorf("no Mamba-2 layers: %q", m2.Verdict)
	}
	// The bound failing on 1 of 20 runs: the check reproduces only partly.
	rs = synthResults(t, synthLayers("mamba-layer", "Mamba (init)", "mamba", []float64{-0.001, -0.0011, -0.0012, -0.0013, -0.0014, -0.0015, -0.0016, -0.0017, -0.0018, -0.0019}, 1))
	cs, err = buildLyapunov(rs, Out{Figures: t.TempDir(), Tables: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ck := claimByID(t, cs, "theorem1-check")
	if ck.Verdict != Partly || !strings.Contains(strings.Join(ck.Notes, " "), "Failed: the bound on 1 of 20 runs") {
		t.Errorf("bound failed once: %q, notes %q", ck.Verdict, ck.Notes)
	}
	if th := claimByID(t, cs, "theorem1"); th.Verdict != Reproduces {
		t.Errorf("ζ <= 0 everywhere: %q", th.Verdict)
	}
}

// Without results the report lists the claims as not run.
func TestLyapunovPlaceholders(t *testing.T) {
	paper := t.TempDir()
	if err := Build(userResults(t), paper); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	if !strings.Contains(string(md), "Theorem 1: Mamba's maximal Lyapunov exponent ζ ≤ 0") || !strings.Contains(string(md), "ssmlab run configs/lyapunov.toml") {
		t.Errorf("REPORT.md:\n%s", md)
	}
}

func TestWrapList(t *testing.T) {
	items := []string{"Mamba 100/100", "Mamba-2 100/100", "Mamba (trained) 4/4", "Mamba-2 (trained) 4/4"}
	got := wrapList("ζ ≤ 0 on: ", items, 44)
	want := "ζ ≤ 0 on: Mamba 100/100, Mamba-2 100/100,\nMamba (trained) 4/4, Mamba-2 (trained) 4/4"
	if got != want {
		t.Fatalf("wrapList = %q, want %q", got, want)
	}
	for _, line := range strings.Split(got, "\n") {
		if n := utf8.RuneCountInString(line); n > 44 {
			t.Errorf("line %q has %d runes, over 44", line, n)
		}
	}
	if got := wrapList("p: ", []string{"a-very-long-item-that-exceeds-the-width"}, 10); got != "p: a-very-long-item-that-exceeds-the-width" {
		t.Errorf("one long item: %q", got)
	}
}

// everyTrial is a trial whose units each ran the every-step perturbation
// once (ε = 2^-11) with the given C and late output slope.
func everyTrial(arch, kind string, cs, slopes []float64) lyapTrial {
	t := lyapTrial{}
	t.s = summary.Lyapunov{Arch: arch, Label: arch, Settings: synthSettings(len(slopes))}
	t.s.Settings.EveryEps = summary.Floats([]float64{0x1p-11})
	for i, sl := range slopes {
		u := summary.LyapunovUnit{Kind: kind, Zeta: -0.01}
		c := math.NaN()
		if cs != nil {
			c = cs[i]
		}
		u.Every = []summary.UnitEvery{{Eps: 0x1p-11, OutputFinal: 0x1p-10, C: summary.Float(c), OutputSlope: summary.Float(sl),
			StateFinal: summary.NaN(), StatePeak: summary.NaN(), OutputPeak: 0x1p-10}}
		t.s.Units = append(t.s.Units, u)
	}
	if kind == summary.UnitLayer {
		t.s.Stats.Layers = len(slopes)
	} else {
		t.s.Stats.Models = len(slopes)
	}
	return t
}

func TestEveryClaimVerdicts(t *testing.T) {
	L, M := summary.UnitLayer, summary.UnitModel
	flatTF := everyTrial("gpt_neox", M, nil, []float64{0.01, -0.05})
	growTF := everyTrial("llama", M, nil, []float64{0.9, 1.0})
	for _, c := range []struct {
		name  string
		ts    []lyapTrial
		want  string
		notes string
	}{
		{"every layer bounded, Transformers too", []lyapTrial{everyTrial("mamba", L, []float64{0.5, 2}, []float64{0.02, 0.1}), flatTF}, Reproduces, "The Transformers behave the same"},
		{"every layer bounded, Transformers grow", []lyapTrial{everyTrial("mamba2", L, []float64{0.5}, []float64{0}), growTF}, Reproduces, "keeps growing"},
		{"one layer's output grows", []lyapTrial{everyTrial("mamba", L, []float64{0.5, 0.5}, []float64{0.02, 0.6})}, Partly, ""},
		{"C above c_max on every layer", []lyapTrial{everyTrial("mamba", L, []float64{11, 50}, []float64{0, 0})}, DoesNot, ""},
		{"no every-step runs of SSM layers", []lyapTrial{flatTF}, NotRun, ""},
	} {
		cl := everyClaim(c.ts)
		if cl.Verdict != c.want || !strings.Contains(strings.Join(cl.Notes, " "), c.notes) {
			t.Errorf("%s: %q, want %q; notes %q", c.name, cl.Verdict, c.want, cl.Notes)
		}
	}
}

func TestQRResolution(t *testing.T) {
	mk := func(rel float64) lyapTrial {
		tr := lyapTrial{}
		tr.s = summary.Lyapunov{Arch: "mamba", Label: "Mamba (init)", Stats: summary.LyapunovStats{Layers: 1}}
		tr.s.Units = []summary.LyapunovUnit{{Kind: summary.UnitLayer, Zeta: -0.001, QR: []summary.QRRun{
			{Steps: 1000, Exponents: summary.Floats([]float64{-0.001 * (1 + 2*rel)}), Exact: summary.Floats([]float64{-0.001})},
			{Steps: 2000, Exponents: summary.Floats([]float64{-0.001 * (1 + rel)}), Exact: summary.Floats([]float64{-0.001})}}}}
		return tr
	}
	if s := qrResolution([]lyapTrial{mk(0.05)}, "mamba"); !strings.Contains(s, "5% at 2000") || !strings.Contains(s, "QR resolves ζ") {
		t.Errorf("5%%: %q", s)
	}
	// 40% at 2000 steps: at the 1/T rate 10% needs 8000 steps.
	if s := qrResolution([]lyapTrial{mk(0.4)}, "mamba"); !strings.Contains(s, "cannot resolve") || !strings.Contains(s, "about 8000 averaged steps") {
		t.Errorf("40%%: %q", s)
	}
	if s := qrResolution([]lyapTrial{mk(0.05)}, "mamba2"); s != "" {
		t.Errorf("no Mamba-2 trial: %q", s)
	}
}
