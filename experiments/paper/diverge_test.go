package paper

import (
	"context"
	"encoding/json"
	"github.com/ssmlab/ssmlab/models"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/hf"
)

// A fine-tune that diverges (learning_rate = 1e9: NaN weights) is a result,
// not an error: the trial finishes with its summary marked diverged and
// its NaN metrics written, and a rerun skips it instead of failing again.
func TestDivergedFinetuneIsARecordedResult(t *testing.T) {
	dir := t.TempDir()
	spec := config.Model{Arch: "mamba", Spec: models.Spec{DModel: 16, Layers: 1, Vocab: 264}}
	spec.Fill()
	m, err := BuildModel(&spec, 264, 3)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	if err := hf.Save(ck, m); err != nil {
		t.Fatal(err)
	}
	e := loadTOML(t, dir, "dv.toml", `name = "dv"
kind = "mpft"
model = "mine"
method = "full"
precision = "bf16"
[models.mine]
path = "`+ck+`"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case"]
[data.instruct]
builtin = "instruct"
profile = "quick"
size = 16
[train]
dataset = "instruct"
steps = 3
batch_size = 2
seq_len = 32
warmup_steps = 0
learning_rate = 1e9
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 2
[params]
logit_tasks = 1
logit_shots = 1
`)
	results := filepath.Join(dir, "results")
	opt := experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}
	if _, err := experiments.Run(context.Background(), e, opt); err != nil {
		t.Fatalf("a diverged fine-tune failed the trial: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(results, "runs", "dv", "default", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.MPFT
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if !s.Diverged || !s.Train.Diverged || !math.IsNaN(float64(s.Train.FinalLoss)) || !math.IsNaN(float64(s.MeanKL)) {
		t.Errorf("summary not marked diverged: %s", raw)
	}
	rep, err := experiments.Run(context.Background(), e, opt)
	if err != nil || rep.Skipped != 1 {
		t.Errorf("rerun: %+v %v", rep, err)
	}
}
