package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets tests run the binary as a child process: the test binary
// itself, with SSMLAB_AS_MAIN=1, behaves as ssmlab.
func TestMain(m *testing.M) {
	if os.Getenv("SSMLAB_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func child(args ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], args...)
	c.Env = append(os.Environ(), "SSMLAB_AS_MAIN=1")
	return c
}

// slowExperiment writes a selftest experiment whose steps take a while.
func slowExperiment(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "slow.toml")
	body := "name = \"slow\"\nkind = \"selftest\"\n[params]\nsteps = 30\nstep_ms = 15\ncheckpoint_every = 7\n[sweep]\nseed = [0, 1]\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// files hashes every file under dir except provenance.json.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "provenance.json" {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		return err
	})
	return out
}

func sameFiles(t *testing.T, a, b map[string]string) {
	t.Helper()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d files vs %d", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s differs", k)
		}
	}
}

func TestRunKilledProcessResumesToSameResults(t *testing.T) {
	exp := slowExperiment(t)
	ref := t.TempDir()
	if code, out, errs := runCLI(t, "run", exp, "--results", ref); code != 0 || !strings.Contains(out, "results in "+ref) {
		t.Fatalf("reference run: %d %q %q", code, out, errs)
	}
	res := t.TempDir()
	c := child("run", exp, "--results", res)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(res, "runs", "slow", "seed=0", "checkpoints", "step-000000014.json")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(mark); err == nil {
			break
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatal("no checkpoint appeared")
		}
	}
	c.Process.Kill() // SIGKILL: no cleanup runs
	c.Wait()
	if _, err := os.Stat(filepath.Join(res, "runs", "slow", "seed=0", "DONE")); err == nil {
		t.Fatal("killed too late: trial already done")
	}
	out, err := child("run", exp, "--results", res).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("resuming from the checkpoint of step")) {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	sameFiles(t, files(t, ref), files(t, res))
}

func TestRunTwoShardProcessesEqualOneRun(t *testing.T) {
	exp := "../../experiments/testdata/selftest.toml"
	ref := t.TempDir()
	if code, _, errs := runCLI(t, "run", exp, "--results", ref); code != 0 {
		t.Fatalf("reference: %s", errs)
	}
	res := t.TempDir()
	var procs []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 2 {
		c := child("run", exp, "--shard", fmt.Sprintf("%d/2", i), "--results", res)
		var b bytes.Buffer
		c.Stdout, c.Stderr = &b, &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs, outs = append(procs, c), append(outs, &b)
	}
	for i, c := range procs {
		if err := c.Wait(); err != nil || !strings.Contains(outs[i].String(), "3 of 6 trials (shard") {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	sameFiles(t, files(t, ref), files(t, res))
	if code, out, _ := runCLI(t, "run", exp, "--results", res); code != 0 || !strings.Contains(out, "0 ran, 6 already done") {
		t.Errorf("rerun after shards: %d %q", code, out)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("name = \"b\"\nkind = \"selftest\"\n[train]\nlerning_rate = 1.0\n"), 0o644)
	code, _, errs := runCLI(t, "validate", bad)
	want := bad + `:4: unknown key "lerning_rate" in [train] (did you mean learning_rate?)`
	if code != 1 || strings.TrimSpace(errs) != "ssmlab validate: "+want {
		t.Errorf("bad file: code %d, stderr %q", code, errs)
	}
	code, out, _ := runCLI(t, "validate", "--keys", "../../experiments/testdata/selftest.toml")
	if code != 0 || !strings.Contains(out, "trials: quick 6, default 6, full 6") || !strings.Contains(out, "  precision=bf16_seed=2") {
		t.Errorf("good file: %d %q", code, out)
	}
	code, _, errs = runCLI(t, "validate", bad, "../../experiments/testdata/selftest.toml", filepath.Join(dir, "none.toml"))
	if code != 1 || !strings.Contains(errs, "none.toml: no such file") || !strings.Contains(errs, "2 of 3 files have errors") {
		t.Errorf("several files: %d %q", code, errs)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "../../experiments/testdata/selftest.toml", "--shard", "2/2"},
		{"run", "../../experiments/testdata/selftest.toml", "--shard", "x"},
	} {
		if code, _, errs := runCLI(t, args...); code != 2 || !strings.Contains(errs, "usage: ssmlab run") {
			t.Errorf("%v: code %d %q", args, code, errs)
		}
	}
	code, _, errs := runCLI(t, "run", "nosuch.toml")
	if code != 1 || strings.TrimSpace(errs) != "ssmlab run: nosuch.toml: no such file" {
		t.Errorf("missing file: %d %q", code, errs)
	}
}

// validate says when a file includes one outside its tree (an absolute
// include).
func TestValidateNotesIncludesOutsideTheTree(t *testing.T) {
	presets := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(presets, []byte("seed = 3\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "configs")
	os.MkdirAll(dir, 0o755)
	src, _ := os.ReadFile("../../experiments/testdata/selftest.toml")
	f := filepath.Join(dir, "x.toml")
	os.WriteFile(f, append([]byte("include = [\""+filepath.ToSlash(presets)+"\"]\n"), src...), 0o644)
	code, out, errs := runCLI(t, "validate", f)
	if code != 0 || !strings.Contains(out, "note: "+f+" includes "+presets+", outside") {
		t.Errorf("validate: %d %q %q", code, out, errs)
	}
}

// run --set changes the trials (a new sweep, new params); validate --print
// shows the merged config with each value's source.
func TestRunSetAndValidatePrint(t *testing.T) {
	results := t.TempDir()
	code, out, errs := runCLI(t, "run", "../../experiments/testdata/selftest.toml", "--profile", "quick", "--results", results,
		"--set", "sweep.seed=[5]", "--set", "params.steps=3")
	if code != 0 || !strings.Contains(out, "selftest: 2 trials, 2 ran") {
		t.Fatalf("run --set: %d %q %q", code, out, errs)
	}
	cfg, err := os.ReadFile(filepath.Join(results, "runs", "selftest", "precision=fp32_seed=5", "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"steps": 3`) {
		t.Errorf("config.json of the --set trial: %v\n%s", err, cfg)
	}
	code, out, errs = runCLI(t, "validate", "--print", "--profile", "quick", "--set", "params.dim=8", "../../experiments/testdata/selftest.toml")
	for _, want := range []string{"# ../../experiments/testdata/selftest.toml, profile quick", "params.dim = 8", "# command line (--set params.dim=8)",
		"params.steps = 12", "# profile quick (../../experiments/testdata/selftest.toml:20)", "# file (../../experiments/testdata/selftest.toml:", "# default ("} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("validate --print: %d, no %q in\n%s%s", code, want, out, errs)
		}
	}
	if code, _, errs := runCLI(t, "validate", "--set", "params.dimm=8", "../../experiments/testdata/selftest.toml"); code != 1 || !strings.Contains(errs, "did you mean dim?") {
		t.Errorf("validate --set with a typo: %d %q", code, errs)
	}
}

// A failed run prints no summary line ("N trials, 0 ran") on stdout.
func TestRunSummaryOnlyOnSuccess(t *testing.T) {
	results := t.TempDir()
	args := []string{"run", "../../experiments/testdata/selftest.toml", "--profile", "quick", "--results", results, "--set", "sweep.seed=[0]"}
	if code, out, errs := runCLI(t, append(args, "--set", "params.steps=3")...); code != 0 || !strings.Contains(out, "2 ran") {
		t.Fatalf("first run: %d %q %q", code, out, errs)
	}
	code, out, errs := runCLI(t, append(args, "--set", "params.steps=4")...) // same trials, another config: refused
	if code != 1 || out != "" || !strings.Contains(errs, "different config") {
		t.Errorf("failed run: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// validate --print shows a config whose checkpoints and data are not on
// disk (configs/paper before the downloads), listing what is missing.
func TestValidatePrintWithMissingFiles(t *testing.T) {
	code, out, errs := runCLI(t, "validate", "--print", "--profile", "quick", "../../configs/paper/table1.toml")
	if code != 0 || !strings.Contains(out, `kind = "mpdiv"`) || !strings.Contains(out, "# missing (ssmlab run refuses until it exists):") {
		t.Errorf("validate --print: exit %d\n%s%s", code, out, errs)
	}
}
