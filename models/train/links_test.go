//go:build unix

package train

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A symbolic link planted at a training run's curve files (log.jsonl,
// scalars.csv; an empty target, so nothing fails to parse first) is
// refused with an error naming it, and what it points to stays as it was.
func TestCurveFilesAreNotWrittenThroughLinks(t *testing.T) {
	for _, name := range []string{LogFile, ScalarsFile} {
		dir := t.TempDir()
		target := filepath.Join(t.TempDir(), "precious")
		if err := os.WriteFile(target, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		tr := &Trainer{Model: newBigram(16, 8, 3), Data: markov{2, 8, 16}, Config: cfg(4, "fp32"), Dir: dir}
		_, err := tr.Run()
		if err == nil || !strings.Contains(err.Error(), name+": is a symbolic link") {
			t.Errorf("%s: err = %v", name, err)
		}
		if b, _ := os.ReadFile(target); len(b) != 0 {
			t.Errorf("%s: the link's target was written: %q", name, b)
		}
	}
}

// A named pipe planted at a run's log.jsonl (the curve it reads back when
// it resumes) is refused instead of waiting for a writer.
func TestCurveReadRefusesNamedPipe(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, LogFile)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadCurve(p); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked on a named pipe")
	}
}
