package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// paperWorkspace lays out, under a temporary working directory, the
// repository's configs/paper with testdata/paper/paths.toml in place of
// the user's, tiny stand-in checkpoints (vocabulary of the test
// tokenizer) and tiny datasets, and changes into it.
func paperWorkspace(t *testing.T) string {
	root := testfix.Root(t)
	ws := t.TempDir()
	cfg := filepath.Join(ws, "configs", "paper")
	os.MkdirAll(cfg, 0o755)
	files, _ := filepath.Glob(filepath.Join(root, "configs", "paper", "*.toml"))
	if len(files) == 0 {
		t.Fatal("no configs/paper/*.toml")
	}
	for _, f := range files {
		src := f
		if filepath.Base(f) == "paths.toml" {
			src = filepath.Join(root, "testdata", "paper", "paths.toml")
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(cfg, filepath.Base(f)), b, 0o644)
	}
	tok, err := os.ReadFile(filepath.Join(root, "testdata", "tokenizer", "seed0", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	const V = 1216 // above the test tokenizer's 1206 ids
	mc, _ := mamba.New(mamba.DefaultConfig(V, 16, 2), 1)
	nc := transformer.DefaultGPTNeoXConfig(V, 16, 2, 2)
	neox, _ := transformer.NewGPTNeoXZero(nc)
	neox.Init(2)
	oc := transformer.DefaultOLMoConfig(V, 16, 2, 2)
	oc.I = 32
	olmo, _ := transformer.NewLlamaZero(oc)
	olmo.Init(3)
	m2c := mamba2.DefaultConfig(V, 16, 2)
	m2c.HeadDim, m2c.N, m2c.ChunkSize = 8, 8, 8
	m2, err := mamba2.NewZero(m2c)
	if err != nil {
		t.Fatal(err)
	}
	m2.Init(4)
	for name, m := range map[string]lm.Model{"mamba": mc, "mamba2": m2, "pythia": neox, "olmo": olmo} {
		dir := filepath.Join(ws, "checkpoints", name)
		if err := hf.Save(dir, m); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "tokenizer.json"), tok, 0o644)
	}
	var rows []datasets.MCRow
	for i := 0; i < 12; i++ {
		rows = append(rows, datasets.MCRow{Question: "Question: which letter follows " + string(rune('a'+i)) + "?\nAnswer:",
			Choices: []string{" " + string(rune('b'+i)), " z", " q"}, Answer: 0})
	}
	tab, err := datasets.MCTable("mc", rows)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(ws, "data", "mc"), 0o755)
	if err := arrowio.Write(filepath.Join(ws, "data", "mc", "test-00000-of-00001.parquet"), tab); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := 0; i < 20; i++ {
		texts = append(texts, "The quick brown fox jumps over the lazy dog, and then it runs away again.")
	}
	txt, err := arrowio.NewTable("text", arrowio.Col{Name: datasets.ColText, Values: texts})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(ws, "data", "text"), 0o755)
	if err := arrowio.Write(filepath.Join(ws, "data", "text", "train-00000-of-00001.parquet"), txt); err != nil {
		t.Fatal(err)
	}
	t.Chdir(ws)
	return ws
}

// One configs/paper experiment (Table 1, quick profile) runs end to end on
// tiny stand-in checkpoints and data named by a paths.toml; with a
// checkpoint missing, run refuses before doing anything and names it with
// its download command.
func TestPaperConfigEndToEnd(t *testing.T) {
	ws := paperWorkspace(t)
	code, out, errs := runCLI(t, "validate", "configs/paper/table1.toml")
	if code != 0 || strings.Contains(out, "missing") {
		t.Fatalf("validate: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "run", "configs/paper/table1.toml", "--profile", "quick", "--results", "results")
	if code != 0 {
		t.Fatalf("run: exit %d: %s%s", code, out, errs)
	}
	sums, _ := filepath.Glob(filepath.Join(ws, "results", "runs", "mp_inference", "*", "summary.json"))
	if len(sums) != 2 {
		t.Fatalf("%d finished trials, want 2 (mamba-130m, pythia-160m): %s", len(sums), out)
	}
	if code, out, errs := runCLI(t, "figures", "--results", "results", "--paper", "paper"); code != 0 {
		t.Fatalf("figures: exit %d: %s%s", code, out, errs)
	}
	if md, err := os.ReadFile(filepath.Join(ws, "paper", "REPORT.md")); err != nil || !strings.Contains(string(md), "mp_inference (2 trials)") {
		t.Errorf("the report does not use the paper-scale results: %v", err)
	} else if strings.Contains(string(md), "spectra-real") {
		t.Error("the report has a spectra section without spectra results")
	}

	os.RemoveAll(filepath.Join(ws, "checkpoints", "mamba"))
	os.RemoveAll(filepath.Join(ws, "results"))
	code, out, errs = runCLI(t, "run", "configs/paper/table1.toml", "--profile", "quick", "--results", "results")
	want := "checkpoints/mamba (models.mamba-130m.path): does not exist; download: huggingface-cli download state-spaces/mamba-130m-hf --local-dir checkpoints/mamba"
	if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "nothing was run") {
		t.Fatalf("run with a missing checkpoint: exit %d: %s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(ws, "results")); err == nil {
		t.Error("the refused run created results/")
	}
	code, out, _ = runCLI(t, "validate", "configs/paper/table1.toml")
	if code != 0 || !strings.Contains(out, "checkpoints/mamba (models.mamba-130m.path") {
		t.Errorf("validate with a missing checkpoint: exit %d: %s", code, out)
	}
}

// The per-layer spectra experiment of configs/paper runs on a tiny Mamba
// and Mamba-2 checkpoint along real text, and the report gets its section.
func TestPaperSpectraEndToEnd(t *testing.T) {
	ws := paperWorkspace(t)
	code, out, errs := runCLI(t, "run", "configs/paper/spectra.toml", "--profile", "quick", "--results", "results")
	if code != 0 {
		t.Fatalf("run: exit %d: %s%s", code, out, errs)
	}
	var s summary.Spectra
	b, err := os.ReadFile(filepath.Join(ws, "results", "runs", "spectra", "model=mamba-130m", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Layers) != 2 || s.Exponents != 32*16 || len(s.Layers[0].Zeta) != 2 || !(s.Layers[1].ZetaMax < 0) {
		t.Errorf("summary: %d layers, %d exponents, %+v", len(s.Layers), s.Exponents, s.Layers)
	}
	if code, out, errs := runCLI(t, "figures", "--results", "results", "--paper", "paper"); code != 0 {
		t.Fatalf("figures: exit %d: %s%s", code, out, errs)
	}
	md, _ := os.ReadFile(filepath.Join(ws, "paper", "REPORT.md"))
	if !strings.Contains(string(md), `<a id="spectra-real"></a>`) || !strings.Contains(string(md), "4 of 4 layers of 2 checkpoints have ζ < 0") {
		t.Errorf("REPORT.md has no spectra section:\n%s", md)
	}
}
