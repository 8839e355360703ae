package paper

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
)

// tinyMPFT is an mpft experiment small enough for a unit test: a one-layer
// Mamba pretrained for 4 steps, fine-tuned for 3.
const tinyMPFT = `name = "tf"
kind = "mpft"
model = "tiny"
method = "full"
precision = "fp32"
[models.tiny]
arch = "mamba"
d_model = 16
layers = 1
[data.corpus]
builtin = "corpus"
profile = "quick"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case"]
[data.instruct]
builtin = "instruct"
profile = "quick"
size = 16
[pretrain]
dataset = "corpus"
steps = 4
batch_size = 2
seq_len = 32
warmup_steps = 0
checkpoint_every = 2
[train]
dataset = "instruct"
steps = 3
batch_size = 2
seq_len = 32
warmup_steps = 0
learning_rate = 1e-3
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 2
[params]
logit_tasks = 1
logit_shots = 1
`

// An interrupted base-model build whose training checkpoint is damaged
// stops the run with a line saying to rerun with --force; --force then
// starts that build over (it used to resume from the same checkpoint and
// fail the same way), ending with the model an uninterrupted run makes.
func TestForceRestartsAnInterruptedArtifactWithADamagedCheckpoint(t *testing.T) {
	dir := t.TempDir()
	e := loadTOML(t, dir, "tf.toml", tinyMPFT)
	results := filepath.Join(dir, "results")
	run := func(force bool) error {
		var stderr bytes.Buffer
		_, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: &stderr, Command: []string{"test"}, Force: force})
		return err
	}
	if err := run(false); err != nil {
		t.Fatal(err)
	}
	arts, _ := filepath.Glob(filepath.Join(results, "artifacts", "pretrain", "*"))
	if len(arts) != 1 {
		t.Fatalf("pretrain artifacts: %v", arts)
	}
	base := arts[0]
	want, err := os.ReadFile(filepath.Join(base, "model", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	// As if killed before DONE, with the checkpoint damaged since.
	os.Remove(filepath.Join(base, "DONE"))
	ck := filepath.Join(base, "train", "checkpoint.bin")
	if err := os.Truncate(ck, 100); err != nil {
		t.Fatal(err)
	}
	err = run(false)
	if err == nil || !strings.Contains(err.Error(), "checkpoint.bin") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("damaged checkpoint: err = %v", err)
	}
	if err := run(true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(base, "model", "model.safetensors"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("rebuilt base model differs from the uninterrupted one (%v)", err)
	}
}
