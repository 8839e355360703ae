//go:build unix

package fsx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plant makes dir/name a symbolic link to a file outside dir holding
// "secret" and returns that file's path.
func plant(t *testing.T, dir, name string) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return target
}

func untouched(t *testing.T, target string) {
	t.Helper()
	if b, err := os.ReadFile(target); err != nil || string(b) != "secret" {
		t.Fatalf("the link's target changed: %q, %v", b, err)
	}
}

func TestWritesRefuseSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := plant(t, dir, "summary.json")
	err := WriteFileAtomic(filepath.Join(dir, "summary.json"), []byte("{}"))
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "summary.json") {
		t.Fatalf("WriteFileAtomic through a link: err = %v", err)
	}
	untouched(t, target)

	target = plant(t, dir, "log.jsonl")
	f, err := OpenWrite(filepath.Join(dir, "log.jsonl"))
	if err == nil {
		f.Close()
	}
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "log.jsonl") {
		t.Fatalf("OpenWrite through a link: err = %v", err)
	}
	untouched(t, target)
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("files left behind: %v", ents)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// within fails the test if fn has not returned after a few seconds (a
// FIFO open that blocks would hang forever).
func within(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("blocked on a named pipe")
	}
}

func TestFIFOIsRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	mkfifo(t, p)
	within(t, func() {
		_, err := ReadFile(p)
		if err == nil || !strings.Contains(err.Error(), p+": a named pipe") {
			t.Errorf("ReadFile(fifo): err = %v", err)
		}
	})
	within(t, func() {
		f, err := OpenWrite(p)
		if err == nil {
			f.Close()
		}
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("OpenWrite(fifo): err = %v", err)
		}
	})
	within(t, func() {
		if err := WriteFileAtomic(p, nil); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("WriteFileAtomic(fifo): err = %v", err)
		}
	})
	if _, err := ReadFile("/dev/null"); err == nil || !strings.Contains(err.Error(), "character device") {
		t.Errorf("ReadFile(/dev/null): err = %v", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "a folder") {
		t.Errorf("ReadFile(dir): err = %v", err)
	}
}

func TestReadFileFollowsLinksToFiles(t *testing.T) {
	dir := t.TempDir()
	target := plant(t, dir, "model.safetensors")
	b, err := ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil || string(b) != "secret" {
		t.Fatalf("got %q, %v", b, err)
	}
	untouched(t, target)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, err := ReadFile(empty); err != nil || len(b) != 0 {
		t.Fatalf("empty file: %q, %v", b, err)
	}
}

func TestMkdirUnderRefusesLinkedFolders(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := MkdirUnder(root, filepath.Join(root, "runs", "exp", "key")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "runs", "exp2")); err != nil {
		t.Fatal(err)
	}
	err := MkdirUnder(root, filepath.Join(root, "runs", "exp2", "key"))
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "exp2") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("created outside the root: %v", ents)
	}
	if err := MkdirUnder(root, filepath.Join(root, "..", "x")); err == nil {
		t.Fatal("a folder outside the root was accepted")
	}
	// The root itself may be a link.
	link := filepath.Join(t.TempDir(), "results")
	os.Symlink(outside, link)
	if err := MkdirUnder(link, filepath.Join(link, "runs", "e")); err != nil {
		t.Fatal(err)
	}
}

func TestCleanTemps(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"keep.json", ".summary.json.tmp123", "checkpoints/.checkpoint.bin.tmp9", "checkpoints/step-000000001.json", "checkpoints/.tmp-step-000000002/model.bin", ".trash-k-1/x", ".hidden", "a.tmp1"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	removed, err := CleanTemps(dir)
	if err != nil || len(removed) != 4 {
		t.Fatalf("removed %v, %v", removed, err)
	}
	for _, keep := range []string{"keep.json", "checkpoints/step-000000001.json", ".hidden", "a.tmp1"} {
		if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
			t.Errorf("%s removed", keep)
		}
	}
	if removed, err := CleanTemps(filepath.Join(dir, "missing")); err != nil || len(removed) != 0 {
		t.Fatalf("missing dir: %v, %v", removed, err)
	}
}

// Inside a guarded tree, a linked folder anywhere between the root and a
// file stops writes (a model folder of an artifact, say); outside one,
// writes go on as before.
func TestGuardRefusesLinkedFoldersBelowRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(root, "artifacts", "a"), 0o755)
	if err := os.Symlink(outside, filepath.Join(root, "artifacts", "a", "model")); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(root, "artifacts", "a", "model", "config.json")
	release := Guard(root)
	err := WriteFileAtomic(target, []byte("{}"))
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), filepath.Join("a", "model")) {
		t.Errorf("WriteFileAtomic: err = %v", err)
	}
	if f, err := OpenAppend(target); !errors.Is(err, ErrSymlink) {
		if f != nil {
			f.Close()
		}
		t.Errorf("OpenAppend: err = %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written through the link: %v", ents)
	}
	release()
	release() // twice is harmless
	if err := WriteFileAtomic(target, []byte("{}")); err != nil {
		t.Errorf("unguarded: %v", err)
	}
}
