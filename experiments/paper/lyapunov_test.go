package paper

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
)

func runLyapunov(t *testing.T, results string, opt experiments.Options) map[string]summary.Lyapunov {
	t.Helper()
	e, err := experiments.Load("testdata/lyapunov.toml", "default")
	if err != nil {
		t.Fatal(err)
	}
	opt.Results, opt.Stderr, opt.Command = results, io.Discard, []string{"test"}
	if _, err := experiments.Run(context.Background(), e, opt); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Collect(results, "lyapunov")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]summary.Lyapunov{}
	for _, r := range rs {
		var s summary.Lyapunov
		if err := json.Unmarshal(r.Summary, &s); err != nil {
			t.Fatal(err)
		}
		out[s.Model] = s
	}
	return out
}

// The kind end to end on every subject type: what the summaries say must
// be what Theorem 1 and the controls predict, and a run resumed from an
// earlier checkpoint ends with the same summary.
func TestLyapunovKind(t *testing.T) {
	results := t.TempDir()
	sums := runLyapunov(t, results, experiments.Options{})
	if len(sums) != 6 {
		t.Fatalf("%d summaries, want 6", len(sums))
	}
	for _, name := range []string{"mamba-layer", "mamba2-layer", "mamba-lm"} {
		s := sums[name]
		st := s.Stats
		wantLayers := map[string]int{"mamba-layer": 6, "mamba2-layer": 6, "mamba-lm": 4}[name]
		if st.Layers != wantLayers || st.NonPositive != st.Layers {
			t.Errorf("%s: ζ <= 0 on %d of %d layers, want all %d", name, st.NonPositive, st.Layers, wantLayers)
		}
		if st.BoundTested != 2*st.Layers || st.BoundHeld != st.BoundTested || !(st.CMax < 10) {
			t.Errorf("%s: bound held on %d/%d runs, C max %v", name, st.BoundHeld, st.BoundTested, st.CMax)
		}
		if st.RateNonPositive != st.RateTested || st.RateTested == 0 {
			t.Errorf("%s: state deviation decayed on %d of %d runs", name, st.RateNonPositive, st.RateTested)
		}
		if len(st.QR) != 2 || st.QR[1].Units != 2 || !(st.QR[1].MaxErr < 0.05) {
			t.Errorf("%s: QR against exact %+v", name, st.QR)
		}
		for _, u := range s.Units {
			if u.Kind == summary.UnitLayer && u.ConvFlush != 4 {
				t.Errorf("%s: conv state forgot the perturbation after %d steps, want K = 4", name, u.ConvFlush)
			}
		}
		if s.Trained || s.Source != "init" || s.LayersPerDraw != map[string]int{"mamba-layer": 1, "mamba2-layer": 1, "mamba-lm": 2}[name] {
			t.Errorf("%s: trained %v, source %q, %d layers per draw", name, s.Trained, s.Source, s.LayersPerDraw)
		}
	}
	if st := sums["mamba-lm"].Stats; st.Models != 2 || st.ModelBoundHeld != st.ModelBoundTested || !(st.LambdaMax < 0) {
		t.Errorf("mamba-lm stacks: %d models, rate condition held %d/%d, QR λ_max %v", st.Models, st.ModelBoundHeld, st.ModelBoundTested, st.LambdaMax)
	}
	if st := sums["rnn-2"].Stats; !(st.ModelStateRate > 0.02) || !(st.LambdaMax > 0.02) || !(st.DNSMax > 0.02) || st.LambdaPositive != 2 {
		t.Errorf("ρ = 2 RNN: perturbation rate %v, QR λ_max %v, DNS %v (positive in %d/2): want all > 0", st.ModelStateRate, st.LambdaMax, st.DNSMax, st.LambdaPositive)
	}
	if st := sums["rnn-0p5"].Stats; !(st.ModelStateRate < -0.3) || !(st.LambdaMax < -0.3) || math.Abs(float64(st.LambdaMax-st.DNSMax)) > 0.05 {
		t.Errorf("ρ = 0.5 RNN: rate %v, QR λ_max %v, DNS %v", st.ModelStateRate, st.LambdaMax, st.DNSMax)
	}
	neox := sums["gpt-neox"]
	// Two sizes of one perturbation at t0 and two of noise at every token
	// (every_eps defaults to fp16 and bf16): four output curves.
	if st := neox.Stats; st.Models != 2 || !(st.ModelOutputPower < 0) || len(neox.Curves) != 4 {
		t.Errorf("gpt-neox: %d models, output power law %v, %d curves", st.Models, st.ModelOutputPower, len(neox.Curves))
	}
	for name, s := range sums {
		for _, u := range s.Units {
			if len(u.Every) != 2 || !(float64(u.Every[0].OutputPeak) > 0) {
				t.Fatalf("%s unit %s %d/%d: every-step runs %+v, want 2 with a deviation", name, u.Kind, u.Draw, u.Layer, u.Every)
			}
			if u.Kind == summary.UnitLayer && !(float64(u.Every[0].C) > 0 && float64(u.Every[0].C) <= 10) {
				t.Errorf("%s layer %d/%d: accumulated-bound constant C = %v", name, u.Draw, u.Layer, u.Every[0].C)
			}
		}
	}
	for _, c := range sums["mamba-layer"].Curves {
		if c.Kind == summary.UnitLayer && c.Quantity == summary.QuantityState {
			if c.Units != 6 || c.N[0] != 0 || c.N[len(c.N)-1] != 152 || float64(c.Median[0]) != float64(c.Eps) && math.Abs(float64(c.Median[0]/c.Eps)-1) > 1e-3 {
				t.Errorf("layer state curve ε=%s: %d units, N %d..%d, median at N=0 %v", c.EpsName, c.Units, c.N[0], c.N[len(c.N)-1], c.Median[0])
			}
			for i := range c.N {
				if b := c.BoundAt(c.N[i]); float64(c.P90[i]) > b*(1+1e-9) {
					t.Errorf("ε=%s, N=%d: 90th percentile %v above the bound %v", c.EpsName, c.N[i], c.P90[i], b)
				}
			}
		}
	}

	// Resume: drop the last checkpoint and the DONE marker; the rerun
	// picks up from the earlier checkpoint and writes the same summary.
	dir := store.RunDir(results, "lyapunov", "model=mamba-layer")
	want, _ := os.ReadFile(filepath.Join(dir, store.SummaryFile))
	ckpts, _ := filepath.Glob(filepath.Join(dir, store.CheckpointDir, "step-*.json"))
	if len(ckpts) != 2 || filepath.Base(ckpts[1]) != "step-000000006.json" {
		t.Fatalf("checkpoints %q, want the last two of draws 2, 4, 6", ckpts)
	}
	os.Remove(ckpts[1])
	os.Remove(filepath.Join(dir, store.DoneFile))
	runLyapunov(t, results, experiments.Options{})
	if got, _ := os.ReadFile(filepath.Join(dir, store.SummaryFile)); !bytes.Equal(got, want) {
		t.Errorf("the resumed trial's summary differs from the uninterrupted one")
	}
}

func withParamSrc(t *testing.T) string {
	src, err := os.ReadFile("testdata/lyapunov.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// withParam returns the test config with one [params] line replaced (or
// added).
func withParam(t *testing.T, line string) string {
	src := withParamSrc(t)
	key := strings.SplitN(line, " ", 2)[0]
	var out []string
	done := false
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(l, key+" ") {
			l, done = line, true
		}
		out = append(out, l)
		if l == "[params]" && !strings.Contains(src, "\n"+key+" ") {
			out, done = append(out, line), true
		}
	}
	if !done {
		t.Fatalf("no [params] for %s", line)
	}
	path := filepath.Join(t.TempDir(), "lyapunov.toml")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Bad settings are one-line errors at load (validate) time.
func TestLyapunovCheckErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`eps = ["fp8"]`, `params.eps: "fp8" is neither a preset`},
		{`qr_steps = [400]`, "params.qr_steps: 400 must be <= seq_len (160)"},
		{`at = 158`, "need seq_len >= 4 and 0 <= at <= seq_len-4"},
		{`draws = 0`, "params.draws (or draws_for.mamba-lm) = 0"},
	} {
		_, err := experiments.Load(withParam(t, c.line), "default")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", c.line, err, c.want)
		}
	}
}

// A model listed in params.pretrained is trained through the shared
// pretrain artifact, which needs [pretrain].dataset: without one the trial
// fails with one clear line.
func TestLyapunovPretrainedNeedsData(t *testing.T) {
	e, err := experiments.Load(withParam(t, `pretrained = ["rnn-0p5"]`), "default")
	if err != nil {
		t.Fatal(err)
	}
	var trials = e.Trials[:0]
	for _, tr := range e.Trials {
		if tr.ModelName == "rnn-0p5" {
			trials = append(trials, tr)
		}
	}
	e.Trials = trials
	_, err = experiments.Run(context.Background(), e, experiments.Options{Results: t.TempDir(), Stderr: io.Discard, Command: []string{"test"}})
	if err == nil || !strings.Contains(err.Error(), `pretrain.dataset "" is not a [data] entry`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v", err)
	}
}

// A checkpoint (a spec with path; what trained bases become) is one draw
// studied as a whole: every layer along its input, and the stacked model.
func TestLyapunovCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mamba-hf")
	spec := config.Model{Arch: "mamba", Spec: models.Spec{DModel: 16, Layers: 3}}
	spec.Fill()
	m, err := BuildModel(&spec, 64, 9)
	if err != nil {
		t.Fatal(err)
	}
	if err := hf.Save(dir, m); err != nil {
		t.Fatal(err)
	}
	s := runOneModel(t, "trained", "path = \""+dir+"\"\nfamily = \"Mamba\"")
	st := s.Stats
	if !s.Trained || s.Source != dir || s.Label != "Mamba (trained)" || s.Settings.Draws != 1 || st.Layers != 3 || st.Models != 1 {
		t.Fatalf("trained %v, source %q, label %q, %d draws, %d layers, %d models", s.Trained, s.Source, s.Label, s.Settings.Draws, st.Layers, st.Models)
	}
	if st.NonPositive != 3 || st.BoundHeld != st.BoundTested || st.ModelBoundHeld != 1*2 || len(st.ModelQR) != 2 {
		t.Errorf("ζ <= 0 on %d/3 layers, bound %d/%d, stack %d/%d, stack QR %+v", st.NonPositive, st.BoundHeld, st.BoundTested, st.ModelBoundHeld, st.ModelBoundTested, st.ModelQR)
	}
}

// A hybrid stack is studied like Mamba and Mamba-2: each of its SSM layers
// (here two Mamba and one Mamba-2 layer between attention layers) along
// its own input, with the exact ζ ≤ 0 and the perturbation bound; its
// attention layers keep no fixed-size state, so no stacked unit.
func TestLyapunovHybrid(t *testing.T) {
	s := runOneModel(t, "jamba", "arch = \"hybrid\"\nmixers = [\"mamba\", \"attention\", \"mamba2\", \"mamba\"]\nd_model = 16\nd_state = 4\nhead_dim = 8\nheads = 2")
	st := s.Stats
	if s.Arch != "hybrid" || s.Label != "Hybrid (init)" || st.Layers != 3*s.Settings.Draws || st.Models != 0 {
		t.Fatalf("arch %q label %q: %d layers over %d draws, %d models", s.Arch, s.Label, st.Layers, s.Settings.Draws, st.Models)
	}
	if st.NonPositive != st.Layers || st.BoundHeld != st.BoundTested || st.BoundTested == 0 {
		t.Errorf("ζ <= 0 on %d/%d layers, bound %d/%d", st.NonPositive, st.Layers, st.BoundHeld, st.BoundTested)
	}
}

// runOneModel runs testdata/lyapunov.toml on one model, the table
// [models.<name>] with body added, and returns its summary.
func runOneModel(t *testing.T, name, body string) summary.Lyapunov {
	t.Helper()
	src := strings.Replace(withParamSrc(t), "[sweep]", "[models."+name+"]\n"+body+"\n\n[sweep]", 1)
	src = strings.Replace(src, `model = ["mamba-layer", "mamba2-layer", "mamba-lm", "gpt-neox", "rnn-0p5", "rnn-2"]`, `model = ["`+name+`"]`, 1)
	path := filepath.Join(t.TempDir(), "lyapunov.toml")
	os.WriteFile(path, []byte(src), 0o644)
	return runOneTrial(t, path, "default")
}

// runOneTrial runs a lyapunov experiment file of one trial under profile
// and returns its summary.
func runOneTrial(t *testing.T, path, profile string) summary.Lyapunov {
	t.Helper()
	e, err := experiments.Load(path, profile)
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Collect(results, "lyapunov")
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	var s summary.Lyapunov
	if err := json.Unmarshal(rs[0].Summary, &s); err != nil {
		t.Fatal(err)
	}
	return s
}
