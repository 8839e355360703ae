package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(seed, name string) string {
	return filepath.Join("..", "..", "testdata", "fixtures", "seed"+seed, "arrow", name)
}

// TestDataCatFixtures: the three pyarrow files print the rows of
// expected.json, one JSON object per line, columns in schema order.
func TestDataCatFixtures(t *testing.T) {
	for _, seed := range []string{"0", "1", "2"} {
		raw, err := os.ReadFile(fixture(seed, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want map[string][]any
		json.Unmarshal(raw, &want)
		for _, f := range []string{"data-00000-of-00001.arrow", "file-format.arrow", "train-00000-of-00001.parquet"} {
			code, out, errs := runCLI(t, "data", "cat", "--limit", "0", "--split", "", fixture(seed, f))
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", f, code, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 40 || !strings.HasPrefix(lines[0], `{"question":"q0: `) {
				t.Fatalf("%s: %d lines, first %q", f, len(lines), lines[0])
			}
			got := map[string][]any{}
			for _, l := range lines {
				var row map[string]any
				if err := json.Unmarshal([]byte(l), &row); err != nil {
					t.Fatalf("%s: %q: %v", f, l, err)
				}
				for k, v := range row {
					got[k] = append(got[k], v)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("seed %s %s: rows differ from expected.json", seed, f)
			}
		}
	}
	code, out, _ := runCLI(t, "data", "cat", "--limit", "2", fixture("0", "file-format.arrow"))
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("--limit 2: %d %q", code, out)
	}
}

func TestDataCatErrors(t *testing.T) {
	dir := t.TempDir()
	b, _ := os.ReadFile(fixture("0", "data-00000-of-00001.arrow"))
	bad := filepath.Join(dir, "cut.arrow")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{bad}, 1, bad + ": corrupt or truncated arrow-stream data"},
		{[]string{filepath.Join(dir, "none.arrow")}, 1, "no such file"},
		{[]string{filepath.Join("..", "..", "testdata", "fixtures", "seed0", "arrow")}, 1, "has splits train, format; pick one"},
		{[]string{"a", "b"}, 2, "data cat takes one PATH"},
	} {
		// Flags keep their values between in-process runs: reset them.
		code, _, errs := runCLI(t, append([]string{"data", "cat", "--limit", "0", "--split", ""}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") > 2 {
			t.Errorf("data cat %v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

func TestDataGenAndInfo(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "data", "gen", "--out", dir, "--seed", "5", "--profile", "quick")
	if code != 0 || !strings.Contains(out, "label") {
		t.Fatalf("data gen: %d %q %q", code, out, errs)
	}
	m1, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	dir2 := t.TempDir()
	runCLI(t, "data", "gen", "--out", dir2, "--seed", "5", "--profile", "quick")
	if m2, _ := os.ReadFile(filepath.Join(dir2, "manifest.json")); len(m1) == 0 || string(m1) != string(m2) {
		t.Error("same seed, different manifest (file hashes)")
	}
	code, out, _ = runCLI(t, "data", "info", filepath.Join(dir, "mc", "shift"))
	if code != 0 || !strings.Contains(out, "split test: 48 rows in 1 file(s)") || !strings.Contains(out, "choices: list<string>") {
		t.Errorf("data info: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "data", "cat", "--split", "test", "--limit", "1", filepath.Join(dir, "mc", "shift"))
	if code != 0 || !strings.HasPrefix(out, `{"task":"shift/`) {
		t.Errorf("data cat of a generated split: %d %q", code, out)
	}
	for _, args := range [][]string{{"--out", "", "--seed", "5"}, {"--out", dir, "--profile", "huge"}, {"--out", dir, "--seed", "-1"}} {
		if code, _, _ := runCLI(t, append([]string{"data", "gen"}, args...)...); code != 2 {
			t.Errorf("data gen %v: exit %d, want 2", args, code)
		}
	}
}

// data info reads the data gen output root and its mc/ folder as several
// datasets (task families), each with its splits and row counts.
func TestDataInfoOnSuiteFolders(t *testing.T) {
	out := filepath.Join(t.TempDir(), "suite")
	if code, _, errs := runCLI(t, "data", "gen", "--out", out, "--profile", "quick"); code != 0 {
		t.Fatalf("data gen: %s", errs)
	}
	code, info, errs := runCLI(t, "data", "info", out)
	if code != 0 || !strings.Contains(info, "datasets") || !strings.Contains(info, filepath.Join(out, "pretrain")+" (folder)") {
		t.Fatalf("data info root: %d %q %q", code, info, errs)
	}
	code, info, errs = runCLI(t, "data", "info", filepath.Join(out, "mc"))
	if code != 0 || strings.Contains(info, "split affix") || !strings.Contains(info, filepath.Join(out, "mc", "affix")+" (folder)") {
		t.Fatalf("data info mc: families are datasets, not splits: %d %q %q", code, info, errs)
	}
	if !strings.Contains(info, "split train: ") || !strings.Contains(info, "split test: ") || strings.Contains(info, ": 0 rows") || !strings.Contains(info, " rows in 1 file(s)") {
		t.Errorf("data info mc: want train and test splits with row counts: %q", info)
	}
}
