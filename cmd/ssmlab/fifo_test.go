//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/internal/testfix"
)

// A named pipe given as any input file (config, model config or weights,
// data file, tokenizer) is refused with one line naming it; nothing waits
// for a writer that never comes.
func TestNamedPipeInputsAreRefused(t *testing.T) {
	tmp := t.TempDir()
	fifo := func(name string) string {
		p := filepath.Join(tmp, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		return p
	}
	model := filepath.Join(testfix.SeedDirs(t)[0], "mamba")
	good := filepath.Join(model, "reference.safetensors")
	modelWith := func(name, fifoFile string) string {
		dir := filepath.Join(tmp, name)
		os.MkdirAll(dir, 0o755)
		for _, f := range []string{"config.json", "model.safetensors"} {
			if f == fifoFile {
				fifo(filepath.Join(name, f))
				continue
			}
			b, _ := os.ReadFile(filepath.Join(model, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		return dir
	}
	cases := []struct {
		name string
		args []string
		path string
	}{
		{"config", []string{"validate", fifo("exp.toml")}, "exp.toml"},
		{"data file", []string{"data", "cat", "--limit", "0", "--split", "", fifo("train.arrow")}, "train.arrow"},
		{"config.json", []string{"forward", "--out", filepath.Join(tmp, "a.out"), "--model", modelWith("m1", "config.json"), "--input", good}, "config.json"},
		{"weights", []string{"forward", "--out", filepath.Join(tmp, "b.out"), "--model", modelWith("m2", "model.safetensors"), "--input", good}, "model.safetensors"},
		{"input", []string{"forward", "--out", filepath.Join(tmp, "c.out"), "--model", model, "--input", fifo("ids.safetensors")}, "ids.safetensors"},
	}
	for _, c := range cases {
		done := make(chan struct{})
		var code int
		var errs string
		go func() { code, _, errs = runCLI(t, c.args...); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: blocked on a named pipe", c.name)
		}
		if code != 1 || !strings.Contains(errs, c.path+": a named pipe") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q", c.name, code, errs)
		}
	}
	done := make(chan error)
	go func() { _, err := tokenizer.Load(fifo("tokenizer.json")); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "tokenizer.json: a named pipe") {
			t.Errorf("tokenizer: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tokenizer: blocked on a named pipe")
	}
}

// A named pipe planted in a results tree (an artifact's outputs.json, a
// trial's provenance.json or summary.json) is refused by run, results and
// figures with one line naming it; none of them waits for a writer.
func TestNamedPipesInResultsAreRefused(t *testing.T) {
	exp := filepath.Join(t.TempDir(), "st.toml")
	body := "name = \"st\"\nkind = \"selftest\"\n[params]\nsteps = 4\nbase_steps = 3\ncheckpoint_every = 2\n"
	if err := os.WriteFile(exp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := t.TempDir()
	if code, _, errs := runCLI(t, "run", exp, "--results", ref); code != 0 {
		t.Fatalf("reference: %s", errs)
	}
	arts, _ := filepath.Glob(filepath.Join(ref, "artifacts", "selftest-base", "*"))
	if len(arts) != 1 {
		t.Fatalf("artifacts: %v", arts)
	}
	rel := func(p string) string { r, _ := filepath.Rel(ref, p); return r }
	cases := []struct {
		file string
		args []string
	}{
		{rel(filepath.Join(arts[0], "outputs.json")), []string{"run", exp}},
		{rel(filepath.Join(arts[0], "outputs.json")), []string{"run", exp, "--force"}},
		{filepath.Join("runs", "st", "default", "provenance.json"), []string{"results", "--out", filepath.Join(t.TempDir(), "r.csv")}},
		{filepath.Join("runs", "st", "default", "summary.json"), []string{"results", "--out", filepath.Join(t.TempDir(), "r.csv")}},
		{filepath.Join("runs", "st", "default", "summary.json"), []string{"figures", "--paper", t.TempDir()}},
	}
	for _, c := range cases {
		res := t.TempDir()
		if err := os.CopyFS(res, os.DirFS(ref)); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(res, c.file)
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		done := make(chan struct{})
		var code int
		var errs string
		go func() { code, _, errs = runCLI(t, append(c.args, "--results", res)...); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %v: blocked on a named pipe", c.file, c.args)
		}
		if code != 1 || !strings.Contains(errs, filepath.Base(c.file)) || !strings.Contains(errs, "not a regular file") ||
			strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s %v: exit %d, stderr %q", c.file, c.args, code, errs)
		}
	}
}
