package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
)

func pickleDir(t *testing.T, which string) string {
	return filepath.Join(testfix.SeedDirs(t)[0], "pickles", which)
}

// A directory holding only config.json and pytorch_model.bin (torch.save of
// the Mamba fixture's state dict) runs exactly as the safetensors original.
func TestForwardReadsPickleCheckpoint(t *testing.T) {
	model := filepath.Join(testfix.SeedDirs(t)[0], "mamba")
	ref := filepath.Join(model, "reference.safetensors")
	want := forwardOut(t, "--model", model, "--input", ref, "--grads")
	got := forwardOut(t, "--model", pickleDir(t, "good"), "--input", ref, "--grads")
	for _, name := range want.Names() {
		a, _ := got.Get(name)
		b, _ := want.Get(name)
		if a == nil || !bytes.Equal(a.Data, b.Data) {
			t.Errorf("%s differs between the pickle and the safetensors checkpoint", name)
		}
	}
}

// convert writes the HF directory transformers wrote for the same model:
// the same tensor names, dtypes, shapes and bits; other files are copied.
func TestConvertPickleToSafetensors(t *testing.T) {
	in := t.TempDir()
	for _, f := range []string{"config.json", "pytorch_model.bin"} {
		b, err := os.ReadFile(filepath.Join(pickleDir(t, "good"), f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(in, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(in, "tokenizer.json"), []byte(`{"model":{}}`), 0o644)
	out := filepath.Join(t.TempDir(), "converted")
	if code, _, errs := runCLI(t, "convert", in, out); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, errs)
	}
	got := testfix.Read(t, filepath.Join(out, "model.safetensors"))
	want := testfix.Read(t, filepath.Join(testfix.SeedDirs(t)[0], "mamba", "model.safetensors"))
	if len(got.Names()) != len(want.Names()) {
		t.Errorf("%d tensors, transformers wrote %d", len(got.Names()), len(want.Names()))
	}
	for _, name := range want.Names() {
		a, ok := got.Get(name)
		b, _ := want.Get(name)
		if !ok || a.DType != b.DType || !bytes.Equal(a.Data, b.Data) || len(a.Shape) != len(b.Shape) {
			t.Errorf("%s differs from the safetensors transformers wrote", name)
		}
	}
	var cfg map[string]any
	raw, _ := os.ReadFile(filepath.Join(out, "config.json"))
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg["model_type"] != "mamba" {
		t.Errorf("config.json: %v %v", err, cfg["model_type"])
	}
	if b, err := os.ReadFile(filepath.Join(out, "tokenizer.json")); err != nil || string(b) != `{"model":{}}` {
		t.Errorf("tokenizer.json not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "pytorch_model.bin")); err == nil {
		t.Error("the pickle was copied along")
	}
	if code, _, errs := runCLI(t, "convert", in, out); code != 1 || !strings.Contains(errs, "not empty") {
		t.Errorf("converting onto a full directory: exit %d: %s", code, errs)
	}
}

// A pickle calling os.system is refused in one line naming the global, and
// nothing is left behind.
func TestConvertRefusesEvilPickle(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "converted")
	code, stdout, errs := runCLI(t, "convert", pickleDir(t, "evil"), out)
	if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 ||
		!strings.Contains(errs, "pytorch_model.bin: refused pickle global posix.system (weights-only loading allows only tensor state dicts)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// ssmlab forward runs OLMo checkpoints: logits and every gradient match
// transformers on each OLMo fixture.
func TestForwardOLMo(t *testing.T) {
	for _, model := range testfix.Dirs(t, "olmo") {
		ref := testfix.Read(t, filepath.Join(model, "reference.safetensors"))
		got := forwardOut(t, "--model", model, "--input", ref.Path, "--grads")
		n := 0
		for _, name := range got.Names() {
			tol := 2e-5
			if strings.HasPrefix(name, "grad.") {
				tol, n = 2e-3, n+1
			}
			if err := testfix.CloseErr(name, testfix.Float32(t, got, name), testfix.Float32(t, ref, name), tol); err != nil {
				t.Errorf("%s: %v", model, err)
			}
		}
		if n != len(testfix.Read(t, filepath.Join(model, "model.safetensors")).Names()) {
			t.Errorf("%s: %d gradients", model, n)
		}
	}
}
