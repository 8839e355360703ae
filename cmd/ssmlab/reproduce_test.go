package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
)

// TestRepositoryConfigsValidate runs validate on every .toml under the
// repository's configs/ with every kind this binary registers. It passes
// on an empty configs/ and covers each file added later.
func TestRepositoryConfigsValidate(t *testing.T) {
	var files []string
	filepath.WalkDir("../../configs", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".toml") {
			files = append(files, p)
		}
		return err
	})
	t.Logf("%d config files", len(files))
	if len(files) > 0 {
		if code, out, errs := runCLI(t, append([]string{"validate"}, files...)...); code != 0 {
			t.Errorf("validate: %s%s", out, errs)
		}
	}
	if _, err := experiments.LoadSuite("../../configs", "quick"); err != nil {
		t.Error(err)
	}
}

func TestReproduceRunsEveryExperimentThenFigures(t *testing.T) {
	configs := filepath.Join(t.TempDir(), "configs")
	os.MkdirAll(filepath.Join(configs, "models"), 0o755)
	src, _ := os.ReadFile("../../experiments/testdata/selftest.toml")
	os.WriteFile(filepath.Join(configs, "selftest.toml"), src, 0o644)
	os.WriteFile(filepath.Join(configs, "preset.toml"), []byte("seed = 3\n"), 0o644)
	os.WriteFile(filepath.Join(configs, "models", "m.toml"), []byte("[models.m]\narch = \"rnn\"\nd_model = 4\n"), 0o644)
	results := t.TempDir()
	args := []string{"reproduce", "--profile", "quick", "--configs", configs, "--results", results, "--paper", filepath.Join(results, "paper")}

	code, out, errs := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "selftest: 6 trials, 6 ran") || !strings.Contains(out, "figures, tables and report in") {
		t.Fatalf("first run: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(results, "paper", "REPORT.md")); err != nil {
		t.Fatalf("the figures step wrote no report: %v", err)
	}
	// a second run runs nothing again but rebuilds the figures step's output
	os.Remove(filepath.Join(results, "paper", "REPORT.md"))
	code, out, _ = runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "0 ran, 6 already done") {
		t.Fatalf("second run: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(results, "paper", "REPORT.md")); err != nil {
		t.Fatalf("the second run did not rebuild the report: %v", err)
	}
	os.WriteFile(filepath.Join(configs, "twin.toml"), src, 0o644)
	if code, _, errs := runCLI(t, args...); code != 1 || !strings.Contains(errs, `name "selftest" is taken by`) {
		t.Errorf("duplicate names: %d %q", code, errs)
	}
}

// Only the default profile writes the committed paper/ unless --paper says
// otherwise; the others write beside their results.
func TestReproducePaperDir(t *testing.T) {
	for _, c := range []struct{ flag, profile, results, want string }{
		{"", "default", "results/default", "paper"},
		{"", "quick", "results/quick", filepath.Join("results/quick", "paper")},
		{"", "full", "/r", "/r/paper"},
		{"out", "quick", "results/quick", "out"},
	} {
		if got := paperDir(c.flag, c.profile, c.results); got != c.want {
			t.Errorf("paperDir(%q, %q, %q) = %q, want %q", c.flag, c.profile, c.results, got, c.want)
		}
	}
}

// reproduce --set applies to every experiment file.
func TestReproduceSet(t *testing.T) {
	configs := filepath.Join(t.TempDir(), "configs")
	os.MkdirAll(configs, 0o755)
	src, _ := os.ReadFile("../../experiments/testdata/selftest.toml")
	os.WriteFile(filepath.Join(configs, "selftest.toml"), src, 0o644)
	results := t.TempDir()
	code, out, errs := runCLI(t, "reproduce", "--profile", "quick", "--configs", configs, "--results", results, "--paper", filepath.Join(results, "paper"),
		"--set", "sweep.seed=[7]", "--set", "sweep.precision=[\"fp32\"]")
	if code != 0 || !strings.Contains(out, "selftest: 1 trials, 1 ran") {
		t.Fatalf("%d %q %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(results, "runs", "selftest", "precision=fp32_seed=7", "DONE")); err != nil {
		t.Error(err)
	}
}
