//go:build unix

package experiments

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// noGitChild is set in the environment of the child process that
// TestRunStartsNoGit starts: it runs the selftest experiment there.
const noGitChild = "SSMLAB_TEST_NOGIT_RESULTS"

// runNoGitChild runs one experiment in a fresh process (so no earlier
// test has looked up the commit already) in dir, with path as PATH, and
// returns the commit its provenance recorded.
func runNoGitChild(t *testing.T, dir, path string) string {
	t.Helper()
	selftest, _ := filepath.Abs(selftestFile)
	res := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunStartsNoGit$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path, noGitChild+"="+res, "SSMLAB_TEST_SELFTEST="+selftest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	e := loadSelftest(t)
	b, err := os.ReadFile(filepath.Join(res, "runs", e.Name, e.Trials[0].Key, "provenance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p Provenance
	if err := json.Unmarshal(b, &p); err != nil || p.Status != "done" {
		t.Fatalf("provenance: %v\n%s", err, b)
	}
	return p.Commit
}

// A run never starts git: not a git first on PATH, and not the real one in
// a repository whose core.fsmonitor names a command (git would run it).
// The commit comes from the binary's build info alone.
func TestRunStartsNoGit(t *testing.T) {
	if res := os.Getenv(noGitChild); res != "" {
		e, err := Load(os.Getenv("SSMLAB_TEST_SELFTEST"), "quick")
		if err == nil {
			_, err = Run(context.Background(), e, Options{Results: res, Stderr: io.Discard, Command: []string{"test"}})
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	want := ReadBuild().Commit

	// A fake git that leaves a marker and claims a commit.
	bin, marker := t.TempDir(), filepath.Join(t.TempDir(), "git-ran")
	script := "#!/bin/sh\ntouch " + marker + "\necho 0123456789abcdef0123456789abcdef01234567\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := runNoGitChild(t, t.TempDir(), bin+":"+os.Getenv("PATH")); got != want {
		t.Errorf("fake git: commit %q, want %q (the build info's)", got, want)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the run started git (a fake one on PATH)")
	}

	// The real git, in a repository whose fsmonitor hook leaves a marker.
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git installed: the fsmonitor case needs it")
	}
	repo, hook := t.TempDir(), filepath.Join(t.TempDir(), "fsmonitor-ran")
	for _, args := range [][]string{
		{"init", "-q"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"},
		{"config", "core.fsmonitor", "touch " + hook},
	} {
		if out, err := exec.Command(git, append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if got := runNoGitChild(t, repo, os.Getenv("PATH")); got != want {
		t.Errorf("in a repository: commit %q, want %q (the build info's)", got, want)
	}
	if _, err := os.Stat(hook); err == nil {
		t.Error("the run executed the repository's core.fsmonitor command")
	}
}

func TestBuildOf(t *testing.T) {
	if b := buildOf(nil, false); b.Commit != "unknown" || b.Version != "unknown" {
		t.Errorf("no build info: %+v", b)
	}
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}}}
	if b := buildOf(bi, true); b != (Build{Version: "(devel)", Commit: "abc", Dirty: true, Time: "2026-01-02T03:04:05Z"}) {
		t.Errorf("got %+v", b)
	}
	if b := buildOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true); b.Commit != "unknown" || b.Version != "(devel)" {
		t.Errorf("no vcs settings: %+v", b)
	}
}
