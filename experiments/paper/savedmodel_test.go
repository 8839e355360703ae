package paper

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/train"
)

// A pretrained base is a model directory usable elsewhere (weights,
// config, tokenizer files, generation_config.json), and its training run
// leaves a loss curve every log_every steps with a validation loss.
func TestPretrainedBaseCarriesTokenizerAndCurve(t *testing.T) {
	dir := t.TempDir()
	e := loadTOML(t, dir, "tiny.toml", `name = "tiny"
kind = "icl"
model = "m"
[models.m]
arch = "gpt_neox"
d_model = 16
layers = 1
heads = 2
[data.corpus]
builtin = "corpus"
profile = "quick"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case"]
[pretrain]
dataset = "corpus"
steps = 6
warmup_steps = 1
batch_size = 2
seq_len = 32
log_every = 4
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 2
`)
	results := filepath.Join(dir, "results")
	runQuiet(t, e, results)
	bases, _ := filepath.Glob(filepath.Join(results, "artifacts", "pretrain", "*"))
	if len(bases) != 1 {
		t.Fatalf("%d bases", len(bases))
	}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"} {
		if _, err := os.Stat(filepath.Join(bases[0], "model", f)); err != nil {
			t.Errorf("model/%s: %v", f, err)
		}
	}
	if tok, err := tokenizer.Load(filepath.Join(bases[0], "model", "tokenizer.json")); err != nil || tok.EOS() != tokenizer.EOSByte {
		t.Errorf("saved tokenizer: %v", err)
	}
	lines, err := train.ReadCurve(filepath.Join(bases[0], "train", train.LogFile))
	if err != nil || len(lines) != 2 || lines[0].Step != 4 || lines[1].Step != 6 || lines[1].ValLoss == nil {
		t.Errorf("log.jsonl: %+v %v; want steps 4 and 6 with a validation loss", lines, err)
	}
}

// An mp_inference trial reports its precisions on one line, not one line
// per precision under the same [i/n] label.
func TestMPDivPrintsOneLinePerTrial(t *testing.T) {
	dir := t.TempDir()
	e := loadTOML(t, dir, "mp.toml", `name = "mp"
kind = "mpdiv"
model = "m"
[params]
precisions = ["fp16", "bf16"]
logit_tasks = 1
logit_shots = 1
[models.m]
arch = "gpt_neox"
d_model = 16
layers = 1
heads = 2
[data.corpus]
builtin = "corpus"
profile = "quick"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case"]
[pretrain]
dataset = "corpus"
steps = 2
warmup_steps = 1
batch_size = 2
seq_len = 32
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 2
`)
	var log strings.Builder
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: filepath.Join(dir, "results"), Stderr: &log, Command: []string{"test"}}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(log.String(), "\n") {
		if strings.HasPrefix(l, "[1/1] mp default: ") && !strings.Contains(l, ": started") && !strings.Contains(l, ": done in") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "fp16") || !strings.Contains(lines[0], "bf16") {
		t.Errorf("the trial's own lines: %q", lines)
	}
}

// loadTOML writes body to dir/name and loads it as an experiment under the
// default profile.
func loadTOML(t *testing.T, dir, name, body string) *config.Experiment {
	t.Helper()
	cfg := filepath.Join(dir, name)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := experiments.Load(cfg, "default")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// runQuiet runs e into results, its progress lines discarded.
func runQuiet(t *testing.T, e *config.Experiment, results string) {
	t.Helper()
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}); err != nil {
		t.Fatal(err)
	}
}
