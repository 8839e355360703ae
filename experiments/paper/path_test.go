package paper

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	e := loadTOML(t, dir, "ck.toml", `name = "ck"
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
`)
	results := filepath.Join(dir, "results")
	runQuiet(t, e, results)
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

// Replacing a checkpoint's files at the same path (a Mamba by a GPT-NeoX)
// must not reuse what was computed from the old files: a rerun is refused
// as made from other inputs, and a forced rerun gets exactly the result of
// a fresh run on the new files.
func TestReplacedCheckpointIsNotServedFromCache(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	save := func(spec config.Model, seed uint64) {
		t.Helper()
		spec.Fill()
		m, err := BuildModel(&spec, 264, seed)
		if err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(ck)
		if err := hf.Save(ck, m); err != nil {
			t.Fatal(err)
		}
	}
	save(config.Model{Arch: "mamba", Spec: models.Spec{DModel: 16, Layers: 1, Vocab: 264}}, 5)
	e := loadTOML(t, dir, "ck.toml", `name = "ck"
kind = "icl"
model = "mine"
[models.mine]
path = "`+ck+`"
[data.mc]
builtin = "mc"
profile = "quick"
families = ["case", "copy"]
[eval]
tasks = ["mc"]
shots = [0, 1]
items = 6
`)
	run := func(results string, force bool) (summary.ICL, error) {
		var s summary.ICL
		_, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Force: force, Stderr: io.Discard, Command: []string{"test"}})
		if err != nil {
			return s, err
		}
		raw, err := os.ReadFile(filepath.Join(results, "runs", "ck", "default", "summary.json"))
		if err == nil {
			err = json.Unmarshal(raw, &s)
		}
		return s, err
	}
	results := filepath.Join(dir, "results")
	old, err := run(results, false)
	if err != nil {
		t.Fatal(err)
	}
	save(config.Model{Arch: "gpt_neox", Spec: models.Spec{DModel: 16, Layers: 1, Heads: 2, Vocab: 264}}, 9)
	fresh, err := run(filepath.Join(dir, "fresh"), false)
	if err != nil {
		t.Fatal(err)
	}
	if old.Model.Arch != "mamba" || fresh.Model.Arch != "gpt_neox" {
		t.Fatalf("archs %s, %s", old.Model.Arch, fresh.Model.Arch)
	}
	oldItems, _ := json.Marshal(old.Items)
	freshItems, _ := json.Marshal(fresh.Items)
	if string(oldItems) == string(freshItems) {
		t.Fatal("the two models score every item alike: the test cannot tell them apart")
	}
	if _, err := run(results, false); err == nil || !strings.Contains(err.Error(), "content changed") {
		t.Fatalf("rerun on replaced files: err = %v", err)
	}
	got, err := run(results, true)
	if err != nil {
		t.Fatal(err)
	}
	gotItems, _ := json.Marshal(got.Items)
	if got.Model.Arch != "gpt_neox" || string(gotItems) != string(freshItems) {
		t.Errorf("forced rerun: arch %s, items %s; a fresh run gives %s", got.Model.Arch, gotItems, freshItems)
	}
	prov, _ := os.ReadFile(filepath.Join(results, "runs", "ck", "default", "provenance.json"))
	if !strings.Contains(string(prov), `"sha256"`) || !strings.Contains(string(prov), "model.safetensors") {
		t.Errorf("provenance records no input hashes:\n%s", prov)
	}
}
