package experiments

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
)

// TestAbandonedLockIsTakenOver leaves a LOCK from a dead process on this
// host and expects the artifact to be built anyway.
func TestAbandonedLockIsTakenOver(t *testing.T) {
	res := t.TempDir()
	r := &runner{opt: Options{Results: res, Stderr: io.Discard, ProgressEvery: time.Hour, Shards: 1}, fp: newFingerprints(res, false), building: map[string]bool{}, checked: map[string]bool{}}
	a, err := r.artifact("selftest-base", selftestBase{Dim: 2, Steps: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(a.dir, 0o755)
	host, _ := os.Hostname()
	dead := lockInfo{Host: host, PID: 1 << 30, Since: time.Now().UTC()}
	b, _ := json.Marshal(dead)
	os.WriteFile(filepath.Join(a.dir, "LOCK"), b, 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.ensure(ctx, a); err != nil {
		t.Fatal(err)
	}
	if !store.Done(a.dir) || !strings.Contains(filepath.Base(a.dir), "dim=2_seed=7-") {
		t.Errorf("not built: %s", a.dir)
	}
	if _, err := os.Stat(filepath.Join(a.dir, "LOCK")); err == nil {
		t.Error("LOCK left behind")
	}
}

// TestArtifactsAreSharedAcrossExperiments runs a second experiment whose
// trials ask for the same bases: it must build none.
func TestArtifactsAreSharedAcrossExperiments(t *testing.T) {
	res := t.TempDir()
	if _, err := runIn(t, loadSelftest(t), res, Options{}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.toml")
	os.WriteFile(other, []byte("name = \"other\"\nkind = \"selftest\"\nparams = { dim = 4, base_steps = 10, steps = 5 }\nsweep.seed = [2, 0]\n"), 0o644)
	e, err := Load(other, "default")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	_, err = Run(context.Background(), e, Options{Results: res, Stderr: &log})
	if err != nil || strings.Contains(log.String(), "building") {
		t.Fatalf("%v\n%s", err, log.String())
	}
	bases, _ := os.ReadDir(filepath.Join(res, "artifacts", "selftest-base"))
	if len(bases) != 3 {
		t.Errorf("%d bases, want 3", len(bases))
	}
}

// An artifact whose earlier build was interrupted says it resumes, not
// that it builds.
func TestInterruptedArtifactSaysResuming(t *testing.T) {
	res := t.TempDir()
	var log strings.Builder
	r := &runner{opt: Options{Results: res, Stderr: &log, ProgressEvery: time.Hour, Shards: 1, Command: []string{"test"}}, building: map[string]bool{}}
	a, err := r.artifact("selftest-base", selftestBase{Dim: 2, Steps: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(a.dir, 0o755)
	os.WriteFile(filepath.Join(a.dir, store.ProvenanceFile), []byte(`{"status": "interrupted"}`), 0o644)
	if err := r.ensure(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming an interrupted build") || strings.Contains(log.String(), ": building") {
		t.Errorf("log:\n%s", log.String())
	}
}
