//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkTo makes path a symbolic link to a file holding "precious" and
// returns that file.
func linkTo(t *testing.T, path string) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	return target
}

// bench's profiles are written as every output is: a symbolic link at
// --cpuprofile or --memprofile is refused (one line, before the benchmark
// runs) and its target left alone; a plain path gets the profile.
func TestBenchProfilesAreNotWrittenThroughLinks(t *testing.T) {
	bench := []string{"bench", "--arch", "mamba", "--vocab", "16", "--d-model", "8", "--layers", "1",
		"--batch", "1", "--seq", "4", "--mode", "infer", "--steps", "2", "--warmup", "0"}
	for _, flag := range []string{"--cpuprofile", "--memprofile"} {
		dir := t.TempDir()
		p := filepath.Join(dir, "prof")
		target := linkTo(t, p)
		code, _, errs := runCLI(t, append(bench, flag, p)...)
		if code != 1 || !strings.Contains(errs, flag+": "+p+": is a symbolic link") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q", flag, code, errs)
		}
		if b, _ := os.ReadFile(target); string(b) != "precious" {
			t.Errorf("%s: the link's target was written", flag)
		}
		os.Remove(p)
		if code, _, errs := runCLI(t, append(bench, flag, p)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", flag, code, errs)
		}
		if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
			t.Errorf("%s: no profile written (%v)", flag, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: files beside the profile: %v", flag, ents)
		}
	}
}
