package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/benchmarks"
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
// tokenizer) and tiny datasets (the benchmarks in the Hub's files), and
// changes into it.
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
	layoutBenchmarks(t, root, filepath.Join(ws, "data", "lm-eval"))
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

// layoutBenchmarks lays out under dir every benchmark configs/paper scores,
// in the Hub's schemas and ssmlab eval's folders: datasets/benchmarks'
// tiny rows (dir/<task>/<eval split>-00000-of-00001.parquet), their
// second generator seed's rows as the few-shot split (train; dev for MMLU),
// and the one MMLU subject's files as every subject of dir/mmlu/<subject>
// (cais/mmlu fetched whole).
func layoutBenchmarks(t *testing.T, root, dir string) {
	fix := filepath.Join(root, "datasets", "benchmarks", "testdata")
	copyShard := func(task, split, from, to string) {
		spec, err := benchmarks.Lookup(task)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(fix, from, task, spec.Eval+"-00000-of-00001.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(to, 0o755)
		if err := os.WriteFile(filepath.Join(to, split+"-00000-of-00001.parquet"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, task := range []string{"arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande", "openbookqa"} {
		spec, _ := benchmarks.Lookup(task)
		copyShard(task, spec.Eval, "tasks", filepath.Join(dir, task))
		copyShard(task, spec.Fewshot, "seed1", filepath.Join(dir, task))
	}
	const mmlu = "mmlu_high_school_computer_science"
	for _, sub := range benchmarks.GroupTasks("mmlu") {
		to := filepath.Join(dir, "mmlu", strings.TrimPrefix(sub, "mmlu_"))
		copyShard(mmlu, "test", "tasks", to)
		copyShard(mmlu, "dev", "seed1", to)
	}
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
	scored := map[string]bool{}
	arts, _ := filepath.Glob(filepath.Join(ws, "results", "artifacts", "*", "*", "summary.json"))
	for _, f := range arts {
		var sc summary.Scores
		if b, err := os.ReadFile(f); err == nil && json.Unmarshal(b, &sc) == nil {
			for _, ts := range sc.Tasks {
				if len(ts.Acc) == 0 {
					t.Errorf("%s: task %s (k %d) scored no documents", f, ts.Task, ts.K)
				}
				scored[ts.Task] = true
			}
		}
	}
	want := append(benchmarks.GroupTasks("mmlu"), "arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande", "openbookqa")
	for _, task := range want {
		if !scored[task] {
			t.Errorf("task %s was not scored", task)
		}
	}
	if len(scored) != len(want) {
		t.Errorf("scored %d tasks, want %d", len(scored), len(want))
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
	os.RemoveAll(filepath.Join(ws, "data", "lm-eval", "winogrande"))
	os.RemoveAll(filepath.Join(ws, "data", "lm-eval", "mmlu", "anatomy"))
	os.RemoveAll(filepath.Join(ws, "results"))
	code, out, errs = runCLI(t, "run", "configs/paper/table1.toml", "--profile", "quick", "--results", "results")
	wino, _ := benchmarks.Lookup("winogrande")
	anatomy, _ := benchmarks.Lookup("mmlu_anatomy")
	for _, want := range []string{
		"checkpoints/mamba (models.mamba-130m.path): does not exist; download: huggingface-cli download state-spaces/mamba-130m-hf --local-dir checkpoints/mamba",
		"data/lm-eval/winogrande (data.benchmarks.tasks): does not exist (task winogrande); download: " + wino.Download("data/lm-eval/winogrande"),
		"data/lm-eval/mmlu_anatomy (data.benchmarks.tasks): does not exist (task mmlu_anatomy); download: " + anatomy.Download("data/lm-eval/mmlu_anatomy"),
	} {
		if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "nothing was run") {
			t.Fatalf("run with missing files: exit %d, no %q in: %s%s", code, want, out, errs)
		}
	}
	if strings.Count(errs, "data.benchmarks.tasks") != 2 {
		t.Errorf("run lists other tasks as missing: %s", errs)
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

// validate on configs/paper prints, per trial, the estimated memory (from
// the checkpoint's config.json) and time (FLOPs per token times the tokens
// each pass runs, over the rate it names); a trial whose files are missing
// says which.
func TestPaperValidateEstimates(t *testing.T) {
	ws := paperWorkspace(t)
	code, out, errs := runCLI(t, "validate", "--gflops", "2", "configs/paper/table1.toml", "configs/paper/spectra.toml", "configs/paper/fig1.toml", "configs/paper/fig3.toml")
	if code != 0 {
		t.Fatalf("validate: exit %d: %s%s", code, out, errs)
	}
	if !strings.Contains(out, "estimates, profile default (") || !strings.Contains(out, "time = FLOPs / 2 GFLOP/s, the rate of --gflops") {
		t.Errorf("no estimates header naming the rate:\n%s", out)
	}
	fp, _, err := hf.Footprint(filepath.Join(ws, "checkpoints", "mamba"))
	if err != nil {
		t.Fatal(err)
	}
	// spectra, default profile: 16 windows of 1024 tokens, batch 1
	fl := 16 * 1024 * fp.ForwardFlops(1024)
	want := fmt.Sprintf("  model=mamba-130m: memory %s, time %s (%.3g FLOPs: forward passes of 1.64e+04 tokens)", bytesString(fp.InferBytes(1, 1024)), durationString(fl/2e9), fl)
	if !strings.Contains(out, want) {
		t.Errorf("no line %q in\n%s", want, out)
	}
	for _, m := range []string{"mamba-130m", "mamba2-780m", "pythia-1p4b", "olmo-1b"} {
		re := regexp.MustCompile(`model=` + m + `_seed=0: memory [0-9.e+]+ [kMG]B, time [0-9.e+]+ [a-z]+ \([0-9.e+]+ FLOPs: 3 evaluation\(s\) of [0-9.e+]+ tokens, 4 logit pass\(es\)\)`)
		if !re.MatchString(out) {
			t.Errorf("table1: no estimate for %s in\n%s", m, out)
		}
	}
	if !regexp.MustCompile(`total of the 16 of 16 trials estimated: time [0-9.e+]+ [a-z]+ \([0-9.e+]+ FLOPs`).MatchString(out) {
		t.Errorf("table1: no total in\n%s", out)
	}
	// fig1 and fig3's instruct stage fine-tune on data/instruct, which the
	// workspace lacks; fig3's pretrained stage does not need it
	if !regexp.MustCompile(`model=pythia-160m_params.stage=pretrained_seed=0: memory [0-9.e+]+ [kMG]B, time [0-9.e+]+ [a-z]+ \([0-9.e+]+ FLOPs: 1 evaluation\(s\) of`).MatchString(out) ||
		!regexp.MustCompile(`model=pythia-160m_params.stage=instruct_seed=0: memory [0-9.e+]+ [kMG]B, time \? \(needs data/instruct\)`).MatchString(out) {
		t.Errorf("fig3: pretrained and instruct estimates wrong in\n%s", out)
	}
	if !regexp.MustCompile(`model=pythia-160m_precision=fp16_method=lora_all_seed=0: memory [0-9.e+]+ [kMG]B, time \? \(needs data/instruct\)`).MatchString(out) {
		t.Errorf("fig1: no estimate naming the missing data in\n%s", out)
	}
	if code, _, errs := runCLI(t, "validate", "--gflops", "-1", "configs/paper/table1.toml"); code != 2 || !strings.Contains(errs, "--gflops must be a positive number") {
		t.Errorf("--gflops -1: exit %d: %s", code, errs)
	}
	os.Remove(filepath.Join(ws, "checkpoints", "olmo", "config.json"))
	_, out, _ = runCLI(t, "validate", "--gflops", "2", "configs/paper/table1.toml")
	if !strings.Contains(out, "model=olmo-1b_seed=0: memory ? (needs checkpoints/olmo/config.json), time ? (needs checkpoints/olmo)") {
		t.Errorf("no estimate naming the missing config.json in\n%s", out)
	}
}
