package paper

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
)

// runConfig runs the trials of the repository's configs/<name>.toml under
// the quick profile whose model is mamba-s (half of each sweep) into
// results, and returns their summaries by trial key.
func runConfig(t *testing.T, results, name string) map[string]json.RawMessage {
	t.Helper()
	e, err := experiments.Load(filepath.Join("..", "..", "configs", name+".toml"), "quick")
	if err != nil {
		t.Fatal(err)
	}
	trials := e.Trials[:0]
	for _, tr := range e.Trials {
		if tr.ModelName == "mamba-s" {
			trials = append(trials, tr)
		}
	}
	if len(trials) == 0 {
		t.Fatalf("%s: no mamba-s trial", name)
	}
	e.Trials = trials
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rs, err := store.Collect(results, e.Name)
	if err != nil || len(rs) != len(trials) {
		t.Fatalf("%s: %d summaries for %d trials, %v", name, len(rs), len(trials), err)
	}
	out := map[string]json.RawMessage{}
	for _, r := range rs {
		out[r.Key] = r.Summary
	}
	return out
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Every experiment kind of the paper runs end to end on its real config
// (quick profile, one model), sharing one results directory as `ssmlab
// reproduce` does, so the shared artifacts (pretrain, finetune,
// evalscores) are built once and reused; each summary must say what its
// kind computes.
func TestEveryKindEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains tiny models")
	}
	results := t.TempDir()

	// mpdiv: fp32 is the reference, 16-bit rows diverge from it by >= 0
	for key, raw := range runConfig(t, results, "mp_inference") {
		s := decode[summary.MPInference](t, raw)
		if len(s.Rows) < 2 || s.Rows[0].Precision != "fp32" || s.Rows[0].DivPP != 0 || s.Rows[0].ItemFlip != 0 {
			t.Fatalf("mpdiv %s: rows %+v", key, s.Rows)
		}
		for _, r := range s.Rows {
			if len(r.Acc) != len(s.Shots) || r.DivPP < 0 || r.ItemFlip < 0 || r.ItemFlip > 1 || !finite(float64(r.MeanKL)) || r.MeanKL < 0 {
				t.Errorf("mpdiv %s %s: %+v", key, r.Precision, r)
			}
		}
	}

	// mpft: fp32 full fine-tuning is its own reference; LoRA trains fewer weights
	trainable := map[string]int{}
	for key, raw := range runConfig(t, results, "mpft_peft") {
		s := decode[summary.MPFT](t, raw)
		trainable[s.Method] = s.Trainable
		if len(s.Acc) != len(s.Shots) || len(s.RefAcc) != len(s.Shots) || s.Train.Steps == 0 || s.Train.Diverged {
			t.Fatalf("mpft %s: %+v", key, s)
		}
		if s.Method == "full" && s.Precision == "fp32" && (s.DivPP != 0 || s.ItemFlip != 0) {
			t.Errorf("mpft %s: the reference diverges from itself: %v pp, flips %v", key, s.DivPP, s.ItemFlip)
		}
	}
	if !(trainable["lora_all"] > 0 && trainable["lora_all"] < trainable["full"]) {
		t.Errorf("mpft trainable weights by method: %v", trainable)
	}

	// efficiency: measured rates and LoRA's smaller trainable set
	eff := map[string]summary.Efficiency{}
	for _, raw := range runConfig(t, results, "efficiency") {
		s := decode[summary.Efficiency](t, raw)
		eff[s.Method+"/"+s.Precision] = s
		if s.Tokens <= 0 || !(s.TrainTokensPS > 0) || !(s.InferTokensPS > 0) || s.TrainPeakBytes == 0 {
			t.Errorf("efficiency %s %s: %+v", s.Method, s.Precision, s)
		}
	}
	if !(eff["lora_all/fp32"].Trainable < eff["full/fp32"].Trainable) {
		t.Errorf("efficiency trainable: lora %d, full %d", eff["lora_all/fp32"].Trainable, eff["full/fp32"].Trainable)
	}

	// icl: both stages, the gain is the mean over k > 0 of acc_k − acc_0
	stages := map[string]bool{}
	for key, raw := range runConfig(t, results, "icl_instruct") {
		s := decode[summary.ICL](t, raw)
		stages[s.Stage] = true
		if len(s.Acc) != len(s.Shots) || s.Shots[0] != 0 {
			t.Fatalf("icl %s: shots %v acc %v", key, s.Shots, s.Acc)
		}
		var g float64
		for i := 1; i < len(s.Acc); i++ {
			g += s.Acc[i] - s.Acc[0]
		}
		if g /= float64(len(s.Acc) - 1); math.Abs(g-s.Gain) > 1e-12 {
			t.Errorf("icl %s: gain %v, recomputed %v", key, s.Gain, g)
		}
	}
	if !stages["pretrained"] || !stages["instruct"] {
		t.Errorf("icl stages: %v", stages)
	}

	// the shared artifacts were built, each once, and finished
	for _, kind := range []string{"pretrain", "finetune", "evalscores"} {
		dirs, _ := filepath.Glob(filepath.Join(results, "artifacts", kind, "*"))
		if len(dirs) == 0 {
			t.Errorf("no %s artifact", kind)
		}
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, "DONE")); err != nil {
				t.Errorf("%s: not finished", d)
			}
		}
	}
}

// A hybrid stack goes through the whole pipeline as the other bases do:
// the lyapunov experiment of configs/ with one Jamba-style model added to
// params.pretrained pretrains it (the shared pretrain artifact: training,
// then an HF-shaped directory), loads that directory back and measures
// each of its SSM layers.
func TestHybridPretrainedThroughLyapunov(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny model")
	}
	dir := filepath.Join(t.TempDir(), "configs")
	for _, f := range []string{"models/bases.toml", "data/suite.toml", "train/pretrain.toml"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "configs", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), raw, 0o644)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "configs", "lyapunov.toml"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	for old, repl := range map[string]string{
		"\n[params]\n": "\n[models.jamba-s]\narch = \"hybrid\"\nfamily = \"Jamba\"\nmixers = [\"mamba\", \"mamba\", \"attention\"]\nd_model = 32\nlayers = 3\nheads = 2\n\n[params]\n",
		`params.pretrained = ["mamba-s", "pythia-s"]`: `params.pretrained = ["jamba-s"]`,
		"sweep.model = [\"mamba-layer\", \"mamba2-layer\", \"mamba-lm\", \"gpt-neox\", \"llama\", \"rnn-0p5\", \"rnn-1\", \"rnn-2\",\n               \"mamba-s\", \"pythia-s\"]": `sweep.model = ["jamba-s"]`,
	} {
		if !strings.Contains(src, old) {
			t.Fatalf("configs/lyapunov.toml no longer holds %q", old)
		}
		src = strings.Replace(src, old, repl, 1)
	}
	path := filepath.Join(dir, "lyapunov.toml")
	os.WriteFile(path, []byte(src), 0o644)
	s := runOneTrial(t, path, "quick")
	if s.Arch != "hybrid" || !s.Trained || !strings.HasPrefix(s.Source, "artifacts/pretrain/") || s.Label != "Jamba (trained)" {
		t.Fatalf("arch %q trained %v source %q label %q", s.Arch, s.Trained, s.Source, s.Label)
	}
	if st := s.Stats; st.Layers != 2 || st.NonPositive != 2 || st.BoundTested == 0 || st.BoundHeld != st.BoundTested {
		t.Errorf("%d SSM layers measured (want 2), ζ <= 0 on %d, bound %d/%d", st.Layers, st.NonPositive, st.BoundHeld, st.BoundTested)
	}
}
