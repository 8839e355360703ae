package experiments

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
)

const selftestFile = "testdata/selftest.toml"

func loadSelftest(t *testing.T) *config.Experiment {
	t.Helper()
	e, err := Load(selftestFile, "default")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runIn(t *testing.T, e *config.Experiment, results string, opt Options) (*Report, error) {
	t.Helper()
	opt.Results = results
	opt.Stderr = io.Discard
	opt.Command = []string{"test"}
	return Run(context.Background(), e, opt)
}

// refAndCrashed runs e uninterrupted into one folder and, into another,
// until trial 3 fails at step 17 (after a checkpoint and a few more logged
// steps), as a killed run would stop. It returns the two folders.
func refAndCrashed(t *testing.T, e *config.Experiment) (ref, res string) {
	t.Helper()
	ref = t.TempDir()
	if _, err := runIn(t, e, ref, Options{}); err != nil {
		t.Fatal(err)
	}
	res = t.TempDir()
	crash := errors.New("simulated crash")
	selftestAbort = func(c *Context, step int) error {
		if step == 17 && c.Trial.Index == 3 {
			return crash
		}
		return nil
	}
	_, err := runIn(t, e, res, Options{})
	selftestAbort = nil
	if !errors.Is(err, crash) {
		t.Fatalf("first attempt: %v", err)
	}
	return ref, res
}

// tree hashes every file under dir except provenance (it holds times).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "provenance.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	return out
}

func sameTrees(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	if len(a) == 0 {
		t.Fatalf("%s: empty tree", what)
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %s differs (%.8s vs %.8s)", what, k, v, b[k])
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("%s: extra file %s", what, k)
		}
	}
}

func TestRunThenRerunIsNoop(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	rep, err := runIn(t, e, res, Options{})
	if err != nil || rep.Ran != 6 || rep.Skipped != 0 {
		t.Fatalf("first run: %+v %v", rep, err)
	}
	before := tree(t, res)
	if len(before) < 6*5 {
		t.Fatalf("only %d files", len(before))
	}
	rep, err = runIn(t, e, res, Options{})
	if err != nil || rep.Ran != 0 || rep.Skipped != 6 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
	sameTrees(t, "rerun", before, tree(t, res))
}

// TestKilledRunResumesToSameResults aborts a trial mid-way (after a
// checkpoint and a few more logged steps), reruns, and expects every file
// to equal an uninterrupted run's.
func TestKilledRunResumesToSameResults(t *testing.T) {
	e := loadSelftest(t)
	ref, res := refAndCrashed(t, e)
	killed := filepath.Join(res, "runs", "selftest", e.Trials[3].Key)
	if _, err := os.Stat(filepath.Join(killed, "DONE")); err == nil {
		t.Fatal("crashed trial marked DONE")
	}
	rep, err := runIn(t, e, res, Options{})
	if err != nil || rep.Ran != 3 || rep.Skipped != 3 {
		t.Fatalf("resume: %+v %v", rep, err)
	}
	sameTrees(t, "resumed", tree(t, ref), tree(t, res))
	prov, _ := os.ReadFile(filepath.Join(killed, "provenance.json"))
	if !strings.Contains(string(prov), `"earlier"`) || !strings.Contains(string(prov), "simulated crash") {
		t.Errorf("provenance does not record the failed attempt:\n%s", prov)
	}
}

// TestShardsMergeToOneRun runs two shards at once (sharing bases through
// the artifact lock) and expects the union to equal a single run.
func TestShardsMergeToOneRun(t *testing.T) {
	e := loadSelftest(t)
	ref := t.TempDir()
	if _, err := runIn(t, e, ref, Options{}); err != nil {
		t.Fatal(err)
	}
	res := t.TempDir()
	var wg sync.WaitGroup
	reps := make([]*Report, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = runIn(t, e, res, Options{Shard: i, Shards: 2})
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil || reps[i].Selected != 3 || reps[i].Ran != 3 {
			t.Fatalf("shard %d: %+v %v", i, reps[i], errs[i])
		}
	}
	sameTrees(t, "sharded", tree(t, ref), tree(t, res))
	a, err := store.Collect(ref, "selftest")
	b, err2 := store.Collect(res, "selftest")
	if err != nil || err2 != nil || len(a) != 6 || len(b) != 6 {
		t.Fatalf("collect: %d %v, %d %v", len(a), err, len(b), err2)
	}
	for i := range a {
		if a[i].Key != b[i].Key || string(a[i].Summary) != string(b[i].Summary) {
			t.Errorf("result %d: %s vs %s", i, a[i].Key, b[i].Key)
		}
	}
}

func TestChangedConfigIsRefusedUntilForced(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	for i := range e.Trials {
		e.Trials[i].Params.(*SelfTestParams).Steps = 31
	}
	_, err := runIn(t, e, res, Options{})
	if err == nil || !strings.Contains(err.Error(), "made by a different config (params.steps: 30 -> 31)") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v", err)
	}
	rep, err := runIn(t, e, res, Options{Force: true})
	if err != nil || rep.Ran != 6 {
		t.Fatalf("forced: %+v %v", rep, err)
	}
	rs, _ := store.Collect(res, "selftest")
	if !strings.Contains(string(rs[0].Config), `"steps": 31`) {
		t.Errorf("forced rerun kept the old config: %s", rs[0].Config)
	}
}

func TestBadShard(t *testing.T) {
	for _, o := range []Options{{Shard: 2, Shards: 2}, {Shard: -1, Shards: 2}} {
		if _, err := runIn(t, loadSelftest(t), t.TempDir(), o); err == nil {
			t.Errorf("shard %d/%d accepted", o.Shard, o.Shards)
		}
	}
}

func TestInterruptedRunSaysSo(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	selftestAbort = func(c *Context, step int) error {
		if step == 5 {
			cancel()
		}
		return nil
	}
	defer func() { selftestAbort = nil }()
	rep, err := Run(ctx, e, Options{Results: res, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "interrupted; run the same command again to resume") || rep.Ran != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	prov, _ := os.ReadFile(filepath.Join(res, "runs", "selftest", e.Trials[0].Key, "provenance.json"))
	if !strings.Contains(string(prov), `"status": "interrupted"`) {
		t.Errorf("provenance:\n%s", prov)
	}
}

// A trial made by an older version of its kind (same config, other code)
// is out of date: refused with a message that says so, replaced by --force.
func TestOlderKindVersionIsOutOfDate(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := store.RunDir(res, e.Trials[0].Experiment, e.Trials[0].Key)
	c, ok, err := store.ReadConfig(dir)
	if err != nil || !ok {
		t.Fatalf("config of %s: %v %v", dir, ok, err)
	}
	c.Version, c.Hash = "0-older", "sha256:older" // as written by an older kind
	if err := store.WriteConfig(dir, c); err != nil {
		t.Fatal(err)
	}
	_, err = runIn(t, e, res, Options{})
	if err == nil || !strings.Contains(err.Error(), "version 0-older of its experiment kind") ||
		!strings.Contains(err.Error(), "out of date") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v", err)
	}
	rep, err := runIn(t, e, res, Options{Force: true})
	if err != nil || rep.Ran != len(e.Trials) {
		t.Fatalf("forced: %+v %v", rep, err)
	}
	if c, _, _ := store.ReadConfig(dir); c.Version == "0-older" {
		t.Error("the forced rerun kept the old version")
	}
}

// An experiment with device = "cuda" whose kind runs on the CPU only fails
// before writing anything, naming the kinds that do run on the GPU: a
// silent CPU run would mislabel its results.
func TestCUDATrialOfCPUKindIsRefused(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	for i := range e.Trials {
		e.Trials[i].Device = "cuda"
	}
	_, err := runIn(t, e, res, Options{})
	if err == nil || !strings.Contains(err.Error(), `device = "cuda": kind selftest runs on the CPU only (kinds that run on cuda: `) ||
		!strings.Contains(err.Error(), "devtest") {
		t.Fatalf("err = %v, want the device and the GPU kinds named", err)
	}
	if left, _ := os.ReadDir(res); len(left) != 0 {
		t.Errorf("the run wrote %v", left)
	}
}

// devtest is a kind that runs on "cuda" with a device that opens or not.
type devtest struct{ SelfTest }

var devtestOpen error

func (devtest) Devices() []string { return []string{"cuda"} }

func (devtest) OpenDevice(device string) (string, error) { return "test GPU", devtestOpen }

func init() { RegisterKind("devtest", devtest{}) }

// A GPU kind's cuda trials open the device once before anything is
// written: without one the run fails in the device's own line and leaves
// no directory; with one the trials run.
func TestCUDATrialWithoutDevice(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	e.Kind = "devtest"
	for i := range e.Trials {
		e.Trials[i].Device, e.Trials[i].Kind = "cuda", "devtest"
	}
	devtestOpen = errors.New("no CUDA driver (libcuda.so.1 not found)")
	defer func() { devtestOpen = nil }()
	_, err := runIn(t, e, res, Options{})
	if err == nil || err.Error() != selftestFile+`: device = "cuda": no CUDA driver (libcuda.so.1 not found)` {
		t.Fatalf("err = %v", err)
	}
	if left, _ := os.ReadDir(res); len(left) != 0 {
		t.Errorf("the run wrote %v", left)
	}
	devtestOpen = nil
	if rep, err := runIn(t, e, res, Options{}); err != nil || rep.Ran != len(e.Trials) {
		t.Fatalf("with a device: %+v %v", rep, err)
	}
	prov, _ := os.ReadFile(filepath.Join(res, "runs", "selftest", e.Trials[0].Key, "provenance.json"))
	if !strings.Contains(string(prov), `"device": "test GPU"`) {
		t.Errorf("provenance does not name the device:\n%s", prov)
	}
}
