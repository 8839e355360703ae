package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/experiments/store"
)

// results writes the same rows as CSV, JSON lines and Parquet; the Parquet
// file reads back (with the repo's own reader) to the CSV's values; the
// status listing counts the trials.
func TestResultsRoundTrip(t *testing.T) {
	results := t.TempDir()
	if code, _, errs := runCLI(t, "run", "../../experiments/testdata/selftest.toml", "--profile", "quick", "--results", results); code != 0 {
		t.Fatal(errs)
	}
	os.MkdirAll(filepath.Join(results, "runs", "selftest", "precision=fp64_seed=9"), 0o755) // started, not finished
	dir := t.TempDir()
	for _, f := range []string{"csv", "jsonl", "parquet"} {
		code, _, errs := runCLI(t, "results", "--results", results, "--format", f, "--out", filepath.Join(dir, "r."+f))
		if code != 0 || !strings.Contains(errs, "selftest: 7 trials: 6 done, 1 started") || !strings.Contains(errs, "6 rows") {
			t.Fatalf("results --format %s: %d %q", f, code, errs)
		}
	}
	cf, _ := os.Open(filepath.Join(dir, "r.csv"))
	recs, err := csv.NewReader(cf).ReadAll()
	cf.Close()
	if err != nil || len(recs) != 7 {
		t.Fatalf("csv: %d lines, %v", len(recs), err)
	}
	header := recs[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, header)
		return -1
	}
	tab, err := arrowio.ReadFiles("r.parquet", filepath.Join(dir, "r.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if tab.NumRows() != 6 || len(tab.Schema.Fields()) != len(header) {
		t.Fatalf("parquet: %d rows, %d columns; csv has %d columns", tab.NumRows(), len(tab.Schema.Fields()), len(header))
	}
	trials, err := arrowio.Column[string](tab, "trial")
	if err != nil {
		t.Fatal(err)
	}
	seeds, err := arrowio.Column[float64](tab, "axis.seed")
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs[1:] {
		if trials[i] != rec[col("trial")] || strconv.FormatFloat(seeds[i], 'g', -1, 64) != rec[col("axis.seed")] {
			t.Errorf("row %d: parquet %s seed %v, csv %s seed %s", i, trials[i], seeds[i], rec[col("trial")], rec[col("axis.seed")])
		}
	}
	jl, _ := os.ReadFile(filepath.Join(dir, "r.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(jl)), "\n")
	var first map[string]any
	if len(lines) != 6 || json.Unmarshal([]byte(lines[0]), &first) != nil || first["trial"] != recs[1][col("trial")] {
		t.Errorf("jsonl: %d lines, first %v", len(lines), first)
	}
	if code, _, errs := runCLI(t, "results", "--results", filepath.Join(dir, "nothing")); code != 1 || !strings.Contains(errs, "no such results folder") {
		t.Errorf("missing results: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "results", "--format", "xlsx"); code != 2 {
		t.Errorf("--format xlsx: exit %d, want 2", code)
	}
}

// Non-finite numbers survive every format: in JSON lines as results write
// them everywhere (jsonnum: NaN null, infinities "+Inf"/"-Inf"; a missing
// value has no key), CSV as Go spells them (pandas reads NaN, inf).
func TestResultsNonFinite(t *testing.T) {
	rows := []store.Row{{"trial": "a", "loss": math.NaN()}, {"trial": "b", "loss": math.Inf(1)}, {"trial": "c"}}
	cols := []string{"trial", "loss"}
	var jl, cs strings.Builder
	if err := writeRows(&jl, "jsonl", cols, rows); err != nil {
		t.Fatal(err)
	}
	if err := writeRows(&cs, "csv", cols, rows); err != nil {
		t.Fatal(err)
	}
	if jl.String() != "{\"trial\":\"a\",\"loss\":null}\n{\"trial\":\"b\",\"loss\":\"+Inf\"}\n{\"trial\":\"c\"}\n" {
		t.Errorf("jsonl: %q", jl.String())
	}
	if cs.String() != "trial,loss\na,NaN\nb,+Inf\nc,\n" {
		t.Errorf("csv: %q", cs.String())
	}
}
