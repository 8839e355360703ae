//go:build unix

package experiments

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// plantLink makes path a symbolic link to a file outside the results
// holding "precious" and returns that file.
func plantLink(t *testing.T, path string) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	return target
}

// A symbolic link planted at a trial's log.jsonl or summary.json (or at
// the trial folder) is refused with an error naming it; what it points to
// is never written.
func TestRunRefusesPlantedSymlinks(t *testing.T) {
	e := loadSelftest(t)
	for _, name := range []string{store.LogFile, store.SummaryFile, ""} {
		res := t.TempDir()
		dir := store.RunDir(res, e.Name, e.Trials[0].Key)
		var target string
		if name == "" {
			outside := t.TempDir()
			os.MkdirAll(filepath.Dir(dir), 0o755)
			if err := os.Symlink(outside, dir); err != nil {
				t.Fatal(err)
			}
			target = filepath.Join(outside, "precious")
			os.WriteFile(target, []byte("precious"), 0o644)
			name = "trial folder"
		} else {
			target = plantLink(t, filepath.Join(dir, name))
		}
		_, err := runIn(t, e, res, Options{})
		if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), e.Trials[0].Key) {
			t.Errorf("%s: err = %v", name, err)
		}
		if b, _ := os.ReadFile(target); string(b) != "precious" {
			t.Errorf("%s: the link's target was overwritten: %q", name, b)
		}
		if ents, _ := os.ReadDir(filepath.Dir(target)); len(ents) != 1 {
			t.Errorf("%s: files written beside the target: %v", name, ents)
		}
	}
}

// holdLock writes the lock of a trial as process pid on host would.
func holdLock(t *testing.T, dir, host string, pid int, age time.Duration) string {
	t.Helper()
	path := trialLockPath(dir)
	b, _ := json.Marshal(lockInfo{Host: host, PID: pid, Since: time.Now().UTC()})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-age)
	os.Chtimes(path, then, then)
	return path
}

// deadPID returns a process id that no process has.
func deadPID(t *testing.T) int {
	for pid := 4_000_000; pid > 100_000; pid -= 997 {
		if !pidAlive(pid) {
			return pid
		}
	}
	t.Skip("no free process id found")
	return 0
}

// A trial whose lock a live process holds is skipped and reported as
// running elsewhere; its provenance is not rewritten (as "killed").
func TestTrialRunningElsewhereIsSkipped(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	host, _ := os.Hostname()
	dir := store.RunDir(res, e.Name, e.Trials[0].Key)
	os.MkdirAll(dir, 0o755)
	live := `{"status": "running", "config_hash": "x"}`
	os.WriteFile(filepath.Join(dir, store.ProvenanceFile), []byte(live), 0o644)
	holdLock(t, dir, host, os.Getppid(), 0) // our parent: alive
	var stderr bytes.Buffer
	rep, err := Run(t.Context(), e, Options{Results: res, Stderr: &stderr, Command: []string{"test"}})
	if err != nil || rep.Ran != 5 || rep.Elsewhere != 1 || rep.Skipped != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	want := "running elsewhere (pid " + itoa(os.Getppid()) + " on host " + host + "), skipped"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, store.ProvenanceFile)); string(b) != live {
		t.Errorf("provenance of the live attempt rewritten:\n%s", b)
	}
	if store.Done(dir) {
		t.Error("the trial held elsewhere was run")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// A lock left by a dead process on this host, or one that nobody refreshed
// for longer than lockStale, is taken over.
func TestStaleTrialLockIsTakenOver(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	host, _ := os.Hostname()
	dead := holdLock(t, store.RunDir(res, e.Name, e.Trials[0].Key), host, deadPID(t), 0)
	old := holdLock(t, store.RunDir(res, e.Name, e.Trials[1].Key), "other-host", 1, 2*lockStale)
	var stderr bytes.Buffer
	rep, err := Run(t.Context(), e, Options{Results: res, Stderr: &stderr, Command: []string{"test"}})
	if err != nil || rep.Ran != 6 || rep.Elsewhere != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if n := strings.Count(stderr.String(), "taking over the lock left by"); n != 2 {
		t.Errorf("%d take-overs reported:\n%s", n, stderr.String())
	}
	for _, p := range []string{dead, old} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
}

// Temporary files that a killed run left in a trial (or an unfinished
// artifact) are removed by the next run of it, which then equals an
// uninterrupted run.
func TestKilledRunsTempFilesAreCleaned(t *testing.T) {
	e := loadSelftest(t)
	ref, res := refAndCrashed(t, e)
	killed := store.RunDir(res, e.Name, e.Trials[3].Key)
	arts, _ := filepath.Glob(filepath.Join(res, "artifacts", "selftest-base", "*"))
	if len(arts) == 0 {
		t.Fatal("no artifacts")
	}
	os.Remove(filepath.Join(arts[0], store.DoneFile)) // as if killed before DONE
	var planted []string
	for _, p := range []string{
		filepath.Join(killed, ".summary.json.tmp12345"),
		filepath.Join(killed, "checkpoints", ".step-000000021.tmp777"),
		filepath.Join(killed, "checkpoints", ".tmp-step-000000021", ".checkpoint.bin.tmp99"),
		filepath.Join(arts[0], ".base.json.tmp4242"),
	} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, p)
	}
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range planted {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
	sameTrees(t, "resumed", tree(t, ref), tree(t, res))
}

// Folders that --force set aside are removed by the next run when the
// process that was deleting them is dead; a live one's are left alone.
func TestDeadProcessesTrashIsRemoved(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	exp := filepath.Join(res, "runs", e.Name)
	host := trashHost()
	dead := filepath.Join(exp, ".trash-"+host+"-"+itoa(deadPID(t))+"-1")
	live := filepath.Join(exp, ".trash-"+host+"-"+itoa(os.Getppid())+"-2")
	other := filepath.Join(exp, ".trash-"+host+"x-"+itoa(deadPID(t))+"-3") // another host
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "checkpoints"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind", dead)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed", d)
		}
	}
}

// Temporary files left in a finished artifact or a finished trial (a
// write into it killed midway) are removed by the next run, which
// otherwise leaves both as they were.
func TestTempFilesInDoneDirsAreCleaned(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	ref := tree(t, res)
	arts, _ := filepath.Glob(filepath.Join(res, "artifacts", "selftest-base", "*"))
	if len(arts) == 0 {
		t.Fatal("no artifacts")
	}
	trial := store.RunDir(res, e.Name, e.Trials[0].Key)
	var planted []string
	for _, p := range []string{
		filepath.Join(arts[0], ".base.json.tmp4242"),
		filepath.Join(arts[0], fsx.TempDirPrefix+"model", "config.json"),
		filepath.Join(trial, ".summary.json.tmp12345"),
	} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, p)
	}
	rep, err := runIn(t, e, res, Options{})
	if err != nil || rep.Ran != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	for _, p := range planted {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
	if _, err := os.Lstat(filepath.Join(arts[0], "LOCK")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the artifact's LOCK left behind")
	}
	sameTrees(t, "cleaned", ref, tree(t, res))
}

// A results folder whose path leaves too little room below it for
// ssmlab's files (the system's path limit) is refused before anything is
// written, in one line saying so, not with "file name too long" midway.
func TestResultsPathTooLongIsRefusedUpFront(t *testing.T) {
	e := loadSelftest(t)
	base := t.TempDir()
	deep := base
	for len(deep) < fsx.PathMax()-40 {
		deep = filepath.Join(deep, strings.Repeat("d", min(200, fsx.PathMax()-40-len(deep))+1))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Skipf("cannot make a %d-byte path here: %v", len(deep), err)
	}
	_, err := runIn(t, e, deep, Options{})
	if err == nil || !strings.Contains(err.Error(), "path limit") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(deep); len(ents) != 0 {
		t.Errorf("written below the results folder: %v", ents)
	}
	if _, err := runIn(t, e, t.TempDir(), Options{}); err != nil {
		t.Errorf("a short results path: %v", err)
	}
}
