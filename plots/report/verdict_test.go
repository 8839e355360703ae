package report

import (
	"math"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

func iv(est, lo, hi float64) bootstrap.Interval {
	return bootstrap.Interval{Estimate: est, Lo: lo, Hi: hi, Level: 0.95}
}

func TestRatioVerdict(t *testing.T) {
	nan := math.NaN()
	ref := &iclModel{name: "pythia-m", family: "GPT-NeoX (Pythia)"}
	learns := iv(0.05, 0.02, 0.08)    // a gain whose CI lies above 0
	nothing := iv(0.001, -0.01, 0.01) // a gain indistinguishable from 0
	negative := iv(-0.01, -0.03, 0.005)
	ratio := func(est, lo, hi float64) iclRatio { return iclRatio{ref: ref, iv: iv(est, lo, hi), defined: true} }
	undefined := iclRatio{ref: ref, iv: iv(nan, nan, nan)}
	for _, c := range []struct {
		name          string
		paper         float64
		gain, refGain bootstrap.Interval
		r             iclRatio
		want          string
	}{
		{"CI contains 38, both gains above 0", 38, learns, learns, ratio(45, 20, 70), Reproduces},
		{"CI contains 132, both gains above 0", 132, learns, learns, ratio(120, 90, 150), Reproduces},
		{"CI contains 38 but the model's gain CI reaches 0; ordering holds", 38, nothing, learns, ratio(30, 5, 70), Partly},
		{"CI contains 82 but the model's gain CI reaches 0; CI crosses 100", 82, nothing, learns, ratio(90, 60, 115), Inconclusive},
		{"CI holds 81 and its mirror 123: too wide", 81, learns, learns, ratio(-1, -49, 150), Inconclusive},
		{"CI holds 38 and its mirror 263: too wide", 38, learns, learns, ratio(82, 30, 300), Inconclusive},
		{"below 100 like 38, CI misses it, excludes 100", 38, learns, learns, ratio(70, 55, 85), Partly},
		{"above 100 like 132, CI misses it, excludes 100", 132, learns, learns, ratio(200, 160, 250), Partly},
		{"below 100 like 38 but CI reaches 100, misses 38", 38, learns, learns, ratio(78, 50, 133), DoesNot},
		{"above 100 where the paper says 38", 38, learns, learns, ratio(150, 120, 180), DoesNot},
		{"below 100 where the paper says 132", 132, learns, learns, ratio(60, 40, 80), DoesNot},
		{"-1% [-49, 50] against 81: ordering holds, value missed", 81, nothing, learns, ratio(-1, -49, 50), Partly},
		{"interval undefined", 82, learns, iv(0.01, -0.001, 0.03), iclRatio{ref: ref, iv: iv(60, nan, nan), defined: true}, Inconclusive},
		{"Transformer gain <= 0 with CI at or below 0, model learns, paper 132", 132, learns, iv(-0.02, -0.04, -0.001), undefined, Partly},
		{"Transformer gain <= 0 but its CI reaches above 0, paper 132", 132, learns, negative, undefined, Inconclusive},
		{"Transformer gain <= 0, model learns, paper 38", 38, learns, negative, undefined, Inconclusive},
		{"Transformer gain CI at or below 0, model learns, paper 38", 38, learns, iv(-0.02, -0.04, -0.001), undefined, DoesNot},
		{"no ICL anywhere", 38, nothing, negative, undefined, Inconclusive},
		{"no ICL anywhere, ratio defined but noise", 38, nothing, nothing, ratio(300, nan, nan), Inconclusive},
		{"no Transformer", 38, learns, learns, iclRatio{}, NotRun},
	} {
		if got := ratioVerdict(c.paper, c.gain, c.refGain, c.r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if s := ratioText(undefined, negative); s != "undefined (GPT-NeoX (Pythia)'s gain -1.00 pp ≤ 0)" {
		t.Errorf("undefined ratio printed as %q", s)
	}
	if s := ratioText(iclRatio{ref: ref, iv: iv(1e6, nan, nan), defined: true}, nothing); s == "" || containsDigitRun(s, 4) {
		t.Errorf("a ratio of gains near 0 printed as a number: %q", s)
	}
}

// containsDigitRun reports whether s has n or more digits in a row.
func containsDigitRun(s string, n int) bool {
	run := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func TestMarginVerdictAndTally(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		diff   bootstrap.Interval
		margin float64
		want   int
	}{
		{"CI below 0", iv(-0.3, -0.5, -0.1), 0, settingPass},
		{"CI up to the margin", iv(0.05, -0.1, 0.2), 0.2, settingPass},
		{"CI straddles the margin", iv(0.1, -0.1, 0.3), 0.2, settingInconclusive},
		{"CI wholly above the margin", iv(0.5, 0.3, 0.7), 0.2, settingFail},
		{"CI above 0 but below the margin", iv(0.1, 0.05, 0.15), 0.2, settingPass},
		{"CI just above a zero margin", iv(0.1, 0.01, 0.2), 0, settingFail},
		{"one seed: no CI", iv(-1, nan, nan), 0.2, settingInconclusive},
		{"no margin", iv(-1, -2, -0.5), nan, settingInconclusive},
	} {
		if got := marginVerdict(c.diff, c.margin); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, outcomeWord[got], outcomeWord[c.want])
		}
	}
	P, F, I := settingPass, settingFail, settingInconclusive
	for _, c := range []struct {
		outcomes []int
		want     string
	}{
		{[]int{P, P}, Reproduces},
		{[]int{P, I}, Partly},
		{[]int{P, F}, Partly},
		{[]int{F, I}, DoesNot},
		{[]int{F, F}, DoesNot},
		{[]int{I, I}, Inconclusive},
		{nil, NotRun},
	} {
		if got := tallyOutcomes(c.outcomes); got != c.want {
			t.Errorf("tallyOutcomes(%v) = %q, want %q", c.outcomes, got, c.want)
		}
	}
	for _, c := range []struct {
		pass, n int
		want    string
	}{{2, 2, Reproduces}, {1, 2, Partly}, {0, 2, DoesNot}, {0, 0, NotRun}} {
		if got := tally(c.pass, c.n); got != c.want {
			t.Errorf("tally(%d, %d) = %q, want %q", c.pass, c.n, got, c.want)
		}
	}
}

// seedDiffCI resamples each family's seeds: with Mamba seeds {1, 1, 1} and
// Transformers {0, 0, 0} and {2, 2, 2} the difference is exactly 0; with
// spread seeds the interval covers the hand-computed extremes' middle, and
// one seed gives no interval.
func TestSeedDiffCI(t *testing.T) {
	opt := bootstrap.Options{B: 4000, Level: 0.95, Seed: 1}
	d := seedDiffCI([]float64{1, 1, 1}, [][]float64{{0, 0, 0}, {2, 2, 2}}, opt)
	if d.Estimate != 0 || d.Lo != 0 || d.Hi != 0 {
		t.Errorf("constant seeds: %+v", d)
	}
	d = seedDiffCI([]float64{0, 1, 2}, [][]float64{{0, 0, 0}}, opt)
	if d.Estimate != 1 || !(d.Lo < 1 && d.Hi > 1) || d.Lo < 0 || d.Hi > 2 {
		t.Errorf("spread seeds: %+v", d)
	}
	d = seedDiffCI([]float64{0, 1, 2}, [][]float64{{0}}, opt)
	if !math.IsNaN(d.Lo) || d.Estimate != 1 {
		t.Errorf("a family with one seed: %+v, want no interval", d)
	}
	if d := seedDiffCI(nil, [][]float64{{0, 1}}, opt); !math.IsNaN(d.Estimate) {
		t.Errorf("nothing to compare: %+v", d)
	}
}

func TestUpToVerdict(t *testing.T) {
	for _, c := range []struct {
		ours, paper, none, margin float64
		want                      string
	}{
		{2.2, 2.15, 1, 0.1, Reproduces},
		{1.62, 2.15, 1, 0.1, Reproduces}, // 75% of 2.15 is 1.6125
		{1.3, 2.15, 1, 0.1, Partly},
		{1.3, 2.15, 1, 0.4, DoesNot}, // within the noise margin
		{1.05, 2.15, 1, 0.1, DoesNot},
		{0.6, 2.15, 1, 0.1, DoesNot},
		{65.5, 65.5, 0, 10, Reproduces},
		{20, 65.5, 0, 10, Partly},
		{8, 65.5, 0, 10, DoesNot},
		{-28, 65.5, 0, 10, DoesNot},
		{math.NaN(), 65.5, 0, 10, NotRun},
	} {
		if got := upToVerdict(c.ours, c.paper, c.none, c.margin); got != c.want {
			t.Errorf("upToVerdict(%v, %v, margin %v) = %q, want %q", c.ours, c.paper, c.margin, got, c.want)
		}
	}
	// Emulated 16-bit full fine-tuning cannot gain: what it shows is noise.
	rows := []*effRow{
		{name: "m", setting: setting{"full", "bf16"}, speedup: 1.3, memReduce: 4},
		{name: "m", setting: setting{"lora_all", "bf16"}, speedup: 1.5, memReduce: 30},
		{name: "n", setting: setting{"full", "fp16"}, speedup: 0.9, memReduce: 25, native: true}, // real 16-bit: not noise
	}
	if speed, mem, note := effNoise(rows); math.Abs(speed-0.3) > 1e-12 || mem != 10 || !strings.Contains(note, "m full FT bf16: 1.30×") {
		t.Errorf("noise %v %v %q", speed, mem, note)
	}
}

func TestScaleVerdict(t *testing.T) {
	up := growth{diff: iv(0.1, 0.05, 0.15)}
	flat := growth{diff: iv(0.01, -0.02, 0.04)}
	down := growth{diff: iv(-0.1, -0.15, -0.05)}
	for _, c := range []struct {
		name   string
		gs     []growth
		anyICL bool
		want   string
	}{
		{"every family grows", []growth{up, up}, true, Reproduces},
		{"some grow", []growth{up, flat}, true, Partly},
		{"none grows", []growth{flat, down}, true, DoesNot},
		{"no ICL at any size", []growth{flat, flat}, false, Inconclusive},
		{"one size per family", nil, true, NotRun},
	} {
		if got := scaleVerdict(c.gs, c.anyICL); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if !down.shrinks() || up.shrinks() || flat.grows() {
		t.Error("grows/shrinks misread the intervals")
	}
}

func TestSpreadAndFormats(t *testing.T) {
	s := spreadOf([]float64{1, 3, math.NaN()})
	if s.N != 2 || s.Mean != 2 || math.Abs(s.SD-math.Sqrt2) > 1e-12 {
		t.Errorf("spread %+v", s)
	}
	if got := s.format(fmtPP); got != "2.00 ± 1.41" {
		t.Errorf("format %q", got)
	}
	if got := spreadOf([]float64{1}).format(fmtPP); got != "1.00" {
		t.Errorf("one seed: %q", got)
	}
	if got := spreadOf(nil).format(fmtPP); got != "—" {
		t.Errorf("no seed: %q", got)
	}
	m := seedMeans{}
	m.add(0, 1)
	m.add(0, 3) // seed 0's mean is 2
	m.add(1, 4)
	if got := m.spread(); got.Mean != 3 || got.N != 2 {
		t.Errorf("seed means %+v", got)
	}
	fs := []string{"Llama", "Zeta", "Mamba-2", "GPT-NeoX (Pythia)", "Alpha", "Mamba"}
	sortFamilies(fs)
	if want := "Mamba Mamba-2 GPT-NeoX (Pythia) Llama Alpha Zeta"; joinSpace(fs) != want {
		t.Errorf("family order %q", joinSpace(fs))
	}
	if familyColor("Mamba") != 0 {
		t.Error("Mamba's colour is not the first palette entry")
	}
	// A family outside the fixed table takes a colour no known family has.
	for _, f := range []string{"Zeta", "Alpha", "RWKV"} {
		c := familyColor(f)
		for known, kc := range familyColors {
			if c == kc {
				t.Errorf("family %q shares colour %d with %q", f, c, known)
			}
		}
	}
}

func joinSpace(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

func TestDirectionVerdict(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		diff   bootstrap.Interval
		anyICL bool
		want   string
	}{
		{"raised, CI above 0", iv(43, 10, 80), true, Reproduces},
		{"lowered, CI below 0", iv(-40, -70, -5), true, DoesNot},
		{"CI holds 0", iv(20, -15, 60), true, Inconclusive},
		{"undefined", iv(20, nan, nan), true, Inconclusive},
		{"no ICL anywhere", iv(20, 10, 30), false, Inconclusive},
	} {
		if got := directionVerdict(c.diff, c.anyICL); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// The direction row on models whose ratios go from about 38% to about
// 81% (reproduces) or down to about 12% (does not).
func TestDirectionClaimFromScores(t *testing.T) {
	build := func(mambaInstructGain int) []*iclModel {
		var sums []summary.ICL
		for seed := int64(0); seed < 3; seed++ {
			sums = append(sums,
				iclSummary(pythiaM(seed), "pretrained", 400, 100, 80),
				iclSummary(mambaM(seed), "pretrained", 400, 100, 30),
				iclSummary(pythiaM(seed), "instruct", 400, 100, 80),
				iclSummary(mambaM(seed), "instruct", 400, 100, mambaInstructGain))
		}
		models, _ := collectICL(sums)
		computeICL(models, commonKs(models), bootstrap.Options{B: 400, Level: 0.95, Seed: 1})
		return models
	}
	opt := bootstrap.Options{B: 400, Level: 0.95, Seed: 1}
	for _, c := range []struct {
		gain int
		want string
	}{{65, Reproduces}, {10, DoesNot}} {
		models := build(c.gain)
		cl := directionClaimFrom(directionClaims[0], models, commonKs(models), opt)
		if cl.Verdict != c.want {
			t.Errorf("Mamba's instruct gain %d: %q, want %q (%s)", c.gain, cl.Verdict, c.want, cl.Ours)
		}
	}
}

func TestEdgeChoices(t *testing.T) {
	sweep := func(chosen float64) []summary.RecipePoint {
		var rs []summary.RecipePoint
		for _, lr := range []float64{1e-4, 3e-4, 1e-3} {
			rs = append(rs, summary.RecipePoint{LR: lr, HeldOutLoss: 1, Chosen: lr == chosen})
		}
		return rs
	}
	m := &iclModel{name: "m", seeds: []int64{0, 1, 2}, recipes: [][]summary.RecipePoint{sweep(1e-3), sweep(3e-4), sweep(1e-4)}}
	if n := edgeChoices(m); n != 2 {
		t.Errorf("%d seeds at an edge, want 2 (1e-3 and 1e-4)", n)
	}
	if s := recipeText(m); !strings.Contains(s, "2 of 3 seeds chose the sweep's largest or smallest") {
		t.Errorf("recipe text %q", s)
	}
	two := &iclModel{name: "m", seeds: []int64{0}, recipes: [][]summary.RecipePoint{{{LR: 1e-3, Chosen: true}, {LR: 1e-4}}}}
	if n := edgeChoices(two); n != 0 {
		t.Errorf("a two-rate sweep has no inside: %d", n)
	}
}
