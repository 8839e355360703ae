//go:build unix

package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SaveHF refuses to replace a symbolic link planted at one of the files it
// writes (as every result file is written), and leaves its target alone.
func TestSaveHFRefusesLinks(t *testing.T) {
	for _, name := range []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"} {
		dir := t.TempDir()
		target := filepath.Join(t.TempDir(), "precious")
		os.WriteFile(target, []byte("precious"), 0o644)
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		err := SaveHF(dir, Bytes{})
		if err == nil || !strings.Contains(err.Error(), name+": is a symbolic link") {
			t.Errorf("%s: err = %v", name, err)
		}
		if b, _ := os.ReadFile(target); string(b) != "precious" {
			t.Errorf("%s: target changed to %q", name, b)
		}
		if st, err := os.Lstat(filepath.Join(dir, name)); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: the link was replaced", name)
		}
	}
}

// Saving a BPE copies the files beside its tokenizer.json; a named pipe
// there is refused instead of waiting for a writer.
func TestSaveHFRefusesNamedPipeSources(t *testing.T) {
	src := t.TempDir()
	if err := SaveHF(src, Bytes{}); err != nil {
		t.Fatal(err)
	}
	bpe, err := Load(filepath.Join(src, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(src, "tokenizer_config.json")
	os.Remove(cfg)
	if err := syscall.Mkfifo(cfg, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- SaveHF(t.TempDir(), bpe) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "tokenizer_config.json: a named pipe") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked on a named pipe")
	}
}
