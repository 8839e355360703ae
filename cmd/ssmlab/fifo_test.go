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
