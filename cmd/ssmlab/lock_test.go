package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Two processes running one config at once run each trial once: the second
// to reach a trial skips it (running elsewhere, or done already), and no
// provenance records the live attempt of the other as killed.
func TestTwoRunsOfOneConfigRunEachTrialOnce(t *testing.T) {
	// No shared base: both processes reach the first trial at once.
	exp := filepath.Join(t.TempDir(), "slow.toml")
	body := "name = \"slow\"\nkind = \"selftest\"\n[params]\nsteps = 30\nstep_ms = 15\nbase_steps = 0\ncheckpoint_every = 7\n[sweep]\nseed = [0, 1]\n"
	if err := os.WriteFile(exp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := t.TempDir()
	if code, _, errs := runCLI(t, "run", exp, "--results", ref); code != 0 {
		t.Fatalf("reference: %s", errs)
	}
	res := t.TempDir()
	var procs []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		c := child("run", exp, "--results", res)
		var b bytes.Buffer
		c.Stdout, c.Stderr = &b, &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs, outs = append(procs, c), append(outs, &b)
	}
	ran := 0
	summary := regexp.MustCompile(`(\d+) ran, \d+ already done`)
	for i, c := range procs {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		m := summary.FindStringSubmatch(outs[i].String())
		if m == nil {
			t.Fatalf("process %d: no summary line\n%s", i, outs[i])
		}
		n, _ := strconv.Atoi(m[1])
		ran += n
	}
	if ran != 2 {
		t.Errorf("%d trial runs for 2 trials:\n%s\n%s", ran, outs[0], outs[1])
	}
	for _, key := range []string{"seed=0", "seed=1"} {
		b, err := os.ReadFile(filepath.Join(res, "runs", "slow", key, "provenance.json"))
		if err != nil || strings.Contains(string(b), "killed") || strings.Contains(string(b), `"earlier"`) {
			t.Errorf("%s: provenance records another attempt (%v):\n%s", key, err, b)
		}
	}
	sameFiles(t, files(t, ref), files(t, res))
}

// A 300-character experiment name fails validate (one line naming the
// file and line), not the run with "file name too long".
func TestValidateRefusesLongNames(t *testing.T) {
	p := filepath.Join(t.TempDir(), "long.toml")
	body := "name = \"" + strings.Repeat("x", 300) + "\"\nkind = \"selftest\"\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "validate", p)
	if code != 1 || !strings.Contains(errs, p+":1: name") || !strings.Contains(errs, "is 300 bytes; at most 128") ||
		strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
