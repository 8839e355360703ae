package experiments

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
)

func TestCheckpointsSaveLatestPruneAndLogRollback(t *testing.T) {
	dir := t.TempDir()
	log, err := openLog(filepath.Join(dir, "log.jsonl"), 0)
	if err != nil {
		t.Fatal(err)
	}
	ck := &Checkpoints{dir: filepath.Join(dir, "checkpoints"), log: log, Keep: 2}
	if _, _, ok := ck.Latest(); ok {
		t.Fatal("latest of nothing")
	}
	for step := 1; step <= 4; step++ {
		log.Write(map[string]int{"step": step})
		if err := ck.SaveFile(step, jsonWriter(step)); err != nil {
			t.Fatal(err)
		}
	}
	log.Write(map[string]int{"step": 5}) // after the last checkpoint: rolled back
	log.close()
	// A checkpoint whose record was never written does not count.
	os.WriteFile(ck.Path(9), []byte("9"), 0o644)
	path, step, ok := ck.Latest()
	if !ok || step != 4 || path != ck.Path(4) {
		t.Fatalf("latest = %q %d %v", path, step, ok)
	}
	if _, err := os.Stat(ck.Path(2)); err == nil {
		t.Error("checkpoint 2 not pruned (Keep 2)")
	}
	log, err = openLog(filepath.Join(dir, "log.jsonl"), ck.logBytes())
	if err != nil {
		t.Fatal(err)
	}
	log.close()
	b, _ := os.ReadFile(filepath.Join(dir, "log.jsonl"))
	if want := "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"step\":4}\n"; string(b) != want {
		t.Errorf("log after rollback:\n%s", b)
	}
}

func TestProgressIsRateLimited(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "[1/2] x k", 10*time.Second)
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	for step := 0; step <= 100; step++ {
		p.Update(step, 100)
		now = now.Add(time.Second)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if lines[0] != "[1/2] x k: step 10/100 (10%), 1 steps/s, ETA 1m30s" || !strings.HasSuffix(lines[9], "step 100/100 (100%), 1 steps/s") {
		t.Errorf("lines: %q ... %q", lines[0], lines[9])
	}
}

func TestCollectReportsBadSummaries(t *testing.T) {
	res := t.TempDir()
	if _, err := runIn(t, loadSelftest(t), res, Options{}); err != nil {
		t.Fatal(err)
	}
	trial := filepath.Join(res, "runs", "selftest", "precision=bf16_seed=1")
	sum := filepath.Join(trial, "summary.json")
	for _, tc := range []struct {
		name   string
		break_ func()
		want   string
	}{
		{"corrupt", func() { os.WriteFile(sum, []byte("{\"final_loss\": 0."), 0o644) }, sum + ": corrupt JSON"},
		{"missing", func() { os.Remove(sum) }, sum + ": missing, though the trial is marked DONE"},
		{"unfinished", func() { os.Remove(filepath.Join(trial, "DONE")) }, ""},
	} {
		tc.break_()
		rs, err := store.Collect(res, "selftest")
		if tc.want == "" {
			if err != nil || len(rs) != 5 {
				t.Errorf("%s: %d results, %v", tc.name, len(rs), err)
			}
			continue
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := store.Collect(res, "nosuch"); err == nil || !strings.Contains(err.Error(), "no results for experiment") {
		t.Errorf("unknown experiment: %v", err)
	}
}

// Waiting shards look for DONE often in tests.
func init() { lockPoll = 10 * time.Millisecond }
