package paper

import (
	"context"
	"encoding/json"
	"github.com/ssmlab/ssmlab/models"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
)

// Each architecture's Footprint counts exactly the parameters its model
// has, for models built from sizes and for the PyTorch fixtures.
func TestFootprintParamsMatchModels(t *testing.T) {
	for _, spec := range []config.Model{
		{Arch: "mamba", Spec: models.Spec{DModel: 24, Layers: 2, Vocab: 50}},
		{Arch: "mamba", Spec: models.Spec{DModel: 40, Layers: 1, Vocab: 30, DState: 8, Expand: 3, DtRank: 5}},
		{Arch: "mamba2", Spec: models.Spec{DModel: 32, Layers: 2, Vocab: 40, DState: 16, HeadDim: 16}},
		{Arch: "gpt_neox", Spec: models.Spec{DModel: 32, Layers: 2, Heads: 4, Vocab: 60}},
		{Arch: "llama", Spec: models.Spec{DModel: 32, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 60}},
		{Arch: "olmo", Spec: models.Spec{DModel: 32, Layers: 2, Heads: 4, Vocab: 60}},
		{Arch: "rnn", Spec: models.Spec{DModel: 16, Vocab: 20}},
		{Arch: "hybrid", Spec: models.Spec{DModel: 32, Layers: 5, Vocab: 30, Heads: 2, HeadDim: 16, Mixers: []string{"mamba", "attention", "mamba2"}}},
	} {
		spec.Fill()
		m, err := BuildModel(&spec, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		f, err := footprint(&spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int(f.Params) != ParamCount(m) {
			t.Errorf("%s %+v: Footprint says %v parameters, the model has %d", spec.Arch, spec, f.Params, ParamCount(m))
		}
	}
	for _, arch := range []string{"mamba", "mamba2", "gpt_neox", "llama", "olmo"} { // the fixtures' families
		for _, dir := range testfix.Dirs(t, arch) {
			m, err := hf.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			f, _, err := hf.Footprint(dir)
			if err != nil {
				t.Fatal(err)
			}
			if int(f.Params) != ParamCount(m) {
				t.Errorf("%s: Footprint says %v parameters, the model has %d", dir, f.Params, ParamCount(m))
			}
		}
	}
}

// copyDir copies a fixture model directory so a test can edit its config.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o644)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Absurd sizes in a checkpoint's config.json are refused in one line by
// validate (CheckModel) and by loading, before anything is allocated: no
// out-of-memory crash, whatever the machine.
func TestAbsurdConfigJSONIsRefusedBeforeAllocation(t *testing.T) {
	for _, tc := range []struct {
		arch, key string
		value     float64
	}{
		{"gpt_neox", "hidden_size", 1e9},
		{"gpt_neox", "vocab_size", 1e8},
		{"llama", "hidden_size", 1e9},
		{"llama", "vocab_size", 1e8},
		{"mamba", "num_hidden_layers", 1e6},
		{"mamba", "vocab_size", 1e8},
		{"mamba2", "num_hidden_layers", 1e6},
	} {
		dir := filepath.Join(t.TempDir(), tc.arch)
		os.MkdirAll(dir, 0o755)
		copyDir(t, testfix.Dirs(t, tc.arch)[0], dir)
		raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		var c map[string]any
		json.Unmarshal(raw, &c)
		c[tc.key] = tc.value
		raw, _ = json.Marshal(c)
		os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o644)

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		errCheck := CheckModel(&config.Model{Path: dir})
		_, errLoad := hf.Load(dir)
		runtime.ReadMemStats(&after)
		for _, err := range []error{errCheck, errLoad} {
			if err == nil || strings.Contains(err.Error(), "\n") ||
				!(strings.Contains(err.Error(), "beyond what ssmlab runs") || strings.Contains(err.Error(), "does not describe these weights") || strings.Contains(err.Error(), "needs")) {
				t.Errorf("%s %s = %g: err = %v", tc.arch, tc.key, tc.value, err)
			}
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s %s = %g: refusing it allocated %d MB", tc.arch, tc.key, tc.value, grew>>20)
		}
	}
}

// validate checks a model from its sizes without building it: a model
// whose weights alone take gigabytes is checked allocating next to nothing,
// and one beyond any machine is refused.
func TestCheckModelBuildsNothing(t *testing.T) {
	t.Setenv(membudget.Env, "unlimited")
	for _, spec := range []config.Model{
		{Arch: "mamba", Spec: models.Spec{DModel: 4096, Layers: 48}},
		{Arch: "gpt_neox", Spec: models.Spec{DModel: 4096, Layers: 32, Heads: 32}},
		{Arch: "llama", Spec: models.Spec{DModel: 4096, Layers: 32, Heads: 32}},
		{Arch: "mamba2", Spec: models.Spec{DModel: 4096, Layers: 48}},
	} {
		spec.Fill()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := CheckModel(&spec); err != nil {
			t.Errorf("%+v: %v", spec, err)
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s d_model %d: CheckModel allocated %d kB", spec.Arch, spec.DModel, grew>>10)
		}
	}
	for _, spec := range []config.Model{
		{Arch: "mamba", Spec: models.Spec{DModel: 1e9, Layers: 2}},
		{Arch: "gpt_neox", Spec: models.Spec{DModel: 1e9, Layers: 2, Heads: 8}},
		{Arch: "llama", Spec: models.Spec{DModel: 1e9, Layers: 2, Heads: 8}},
		{Arch: "mamba2", Spec: models.Spec{DModel: 1 << 20, Layers: 1e6}},
		{Arch: "rnn", Spec: models.Spec{DModel: 1e9}},
		{Arch: "mamba", Spec: models.Spec{DModel: 1 << 40, Layers: 1 << 40, Vocab: 1 << 40}},
	} {
		spec.Fill()
		if err := CheckModel(&spec); err == nil || !strings.Contains(err.Error(), "beyond what ssmlab runs") {
			t.Errorf("%s d_model %d layers %d: err = %v", spec.Arch, spec.DModel, spec.Layers, err)
		}
	}
}

// batch_size or seq_len of 1e9 is refused by validate with the estimate and
// what to lower; where only the run finds it too big (a smaller machine
// than validate's), the build refuses before allocating and leaves no LOCK.
func TestHugeBatchIsRefusedBeforeAllocation(t *testing.T) {
	dir := t.TempDir()
	write := func(name, train string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`name = "big"
kind = "icl"
model = "m"
[models.m]
arch = "mamba"
d_model = 16
layers = 1
[data.corpus]
builtin = "corpus"
profile = "quick"
[data.mc]
builtin = "mc"
profile = "quick"
[pretrain]
dataset = "corpus"
steps = 2
warmup_steps = 0
`+train+`
[eval]
tasks = ["mc"]
shots = [0]
items = 1
`), 0o644)
		return p
	}
	for _, train := range []string{"batch_size = 1000000000\nseq_len = 32", "batch_size = 2\nseq_len = 1000000000"} {
		_, err := experiments.Load(write("x.toml", train), "default")
		if err == nil || !strings.Contains(err.Error(), "needs") || !strings.Contains(err.Error(), "lower") {
			t.Errorf("%q: err = %v", train, err)
		}
	}
	t.Setenv(membudget.Env, "unlimited")
	e, err := experiments.Load(write("y.toml", "batch_size = 4096\nseq_len = 4096"), "default")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(membudget.Env, "64MB")
	results := filepath.Join(dir, "results")
	_, err = experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}})
	if err == nil || !strings.Contains(err.Error(), "SSMLAB_MEMORY allows 64 MB; lower batch_size or seq_len") {
		t.Errorf("run: err = %v", err)
	}
	filepath.WalkDir(results, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "LOCK" {
			t.Errorf("LOCK left behind: %s", p)
		}
		return nil
	})
}
