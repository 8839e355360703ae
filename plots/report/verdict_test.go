package report

import (
	"math"
	"strings"
	"testing"

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
		{"CI contains 38", 38, learns, learns, ratio(45, 20, 70), Reproduces},
		{"CI contains 132", 132, learns, learns, ratio(120, 90, 150), Reproduces},
		{"below 100 like 38, CI misses it", 38, learns, learns, ratio(70, 55, 85), Partly},
		{"above 100 like 132, CI misses it", 132, learns, learns, ratio(200, 160, 250), Partly},
		{"above 100 where the paper says 38", 38, learns, learns, ratio(150, 120, 180), DoesNot},
		{"below 100 where the paper says 132", 132, learns, learns, ratio(60, 40, 80), DoesNot},
		{"interval undefined, point on the paper's side", 82, learns, iv(0.01, -0.001, 0.03), iclRatio{ref: ref, iv: iv(60, nan, nan), defined: true}, Partly},
		{"Transformer gain <= 0, model learns, paper 132", 132, learns, negative, undefined, Partly},
		{"Transformer gain <= 0, model learns, paper 38", 38, learns, negative, undefined, DoesNot},
		{"no ICL anywhere", 38, nothing, negative, undefined, CannotSpeak},
		{"no ICL anywhere, ratio defined but noise", 38, nothing, nothing, ratio(300, nan, nan), CannotSpeak},
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

func TestNotAboveAndTally(t *testing.T) {
	sp := func(mean, sd float64, n int) spread { return spread{Mean: mean, SD: sd, N: n} }
	nan := math.NaN()
	for _, c := range []struct {
		name string
		ssm  spread
		ts   []spread
		pass bool
		ok   bool
	}{
		{"below", sp(0.1, nan, 1), []spread{sp(0.2, nan, 1)}, true, true},
		{"equal", sp(0.2, nan, 1), []spread{sp(0.2, nan, 1)}, true, true},
		{"above, one seed", sp(0.3, nan, 1), []spread{sp(0.2, nan, 1)}, false, true},
		{"above the largest Transformer, within seed spread", sp(0.5, 0.2, 3), []spread{sp(0.1, nan, 1), sp(0.4, 0.1, 3)}, true, true},
		{"above beyond seed spread", sp(0.9, 0.1, 3), []spread{sp(0.4, 0.1, 3)}, false, true},
		{"no Transformer", sp(0.1, nan, 1), []spread{{Mean: nan, SD: nan}}, false, false},
		{"no SSM", spread{Mean: nan, SD: nan}, []spread{sp(0.1, nan, 1)}, false, false},
	} {
		pass, _, ok := notAbove(c.ssm, c.ts)
		if pass != c.pass || ok != c.ok {
			t.Errorf("%s: pass %v ok %v, want %v %v", c.name, pass, ok, c.pass, c.ok)
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
		{"no ICL at any size", []growth{flat, flat}, false, CannotSpeak},
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
