package paper

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
)

// An experiment can study a checkpoint given by path (a user's HF
// directory): it is evaluated as its own base, with no pretraining, and its
// k-shot scores come out as for a model trained here.
func TestICLOnACheckpointGivenByPath(t *testing.T) {
	dir := t.TempDir()
	spec := config.Model{Arch: "gpt_neox", Spec: models.Spec{DModel: 16, Layers: 1, Heads: 2, Vocab: 264}}
	spec.Fill()
	m, err := BuildModel(&spec, 264, 5)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "my-checkpoint")
	if err := hf.Save(ck, m); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ck.toml")
	os.WriteFile(cfg, []byte(`name = "ck"
kind = "icl"
model = "mine"
[models.mine]
path = "`+ck+`"
family = "Mine"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case"]
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 2
`), 0o644)
	e, err := experiments.Load(cfg, "default")
	if err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results")
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(results, "runs", "ck", "default", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.ICL
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Model.Family != "Mine" || s.Model.Params != ParamCount(m) || len(s.Acc) != 2 || len(s.Items[0]) == 0 {
		t.Fatalf("summary %+v", s)
	}
	if _, err := os.Stat(filepath.Join(results, "artifacts", "pretrain")); err == nil {
		t.Fatal("a checkpoint given by path was pretrained")
	}
}
