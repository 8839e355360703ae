package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
)

// The claims of the five paper experiments this package reports.
var paperClaimIDs = []string{
	"table1-mp-inference", "fig1-mpft-peft", "fig2-speedup", "fig2-memory",
	"fig3-ratio-mamba-pretrained", "fig3-ratio-mamba2-pretrained", "fig3-ratio-mamba-instruct", "fig3-ratio-mamba2-instruct",
	"fig4-icl-scale",
}

// Build on a results directory of synthetic finished trials writes every
// figure and table, and REPORT.md names every claim with a verdict.
func TestBuildReportFromTrialDirs(t *testing.T) {
	results, paper := t.TempDir(), t.TempDir()
	layoutTrials(t, results, "mp_inference", synthMP())
	layoutTrials(t, results, "mpft_peft", synthMPFT())
	layoutTrials(t, results, "efficiency", synthEfficiency())
	layoutTrials(t, results, "icl_instruct", synthICLInstruct())
	layoutTrials(t, results, "icl_scale", synthICLScale())
	os.MkdirAll(filepath.Join(results, "runs", "icl_scale", "model=unfinished"), 0o755) // no DONE: ignored
	if err := Build(results, paper); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, id := range paperClaimIDs {
		if !strings.Contains(md, `<a id="`+id+`"></a>`) {
			t.Errorf("REPORT.md lacks claim %s", id)
		}
	}
	for _, s := range []string{"Table 1:", "Fig. 1:", "Fig. 2:", "Fig. 3:", "Fig. 4:", "38%", "82%", "81%", "132%", "2.15x", "65.5%",
		"mp_inference (8 trials)", "icl_scale (14 trials)", Reproduces, Partly, DoesNot,
		"commit 0123abc, 4567def (dirty); profile default, quick; GEMM backend go, onednn; run 2026-11-30 to 2026-12-01", "more than one commit"} {
		if !strings.Contains(md, s) {
			t.Errorf("REPORT.md lacks %q", s)
		}
	}
	for _, line := range strings.Split(md, "\n") { // the summary table
		for _, id := range paperClaimIDs {
			if strings.Contains(line, "(#"+id+")") && strings.HasSuffix(line, "| "+NotRun+" |") {
				t.Errorf("claim %s has results but is listed as not run: %s", id, line)
			}
		}
	}
	noNaN(t, "REPORT.md", md)
	for _, f := range []string{"table1_mp_divergence", "fig1_mpft_divergence", "fig2_efficiency", "fig3_icl_instruct", "fig4_icl_scale"} {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(paper, "figures", f+ext)); err != nil || st.Size() < 1000 {
				t.Errorf("figure %s%s: %v", f, ext, err)
			}
		}
	}
	for _, f := range []string{"table1_mp_inference", "fig1_mpft_settings", "fig2_efficiency", "fig3_icl_instruct", "fig4_icl_scale"} {
		for _, ext := range []string{".md", ".tex"} {
			if _, err := os.Stat(filepath.Join(paper, "tables", f+ext)); err != nil {
				t.Errorf("table %s%s: %v", f, ext, err)
			}
		}
	}
}

// With only a user's own experiment, every paper claim is listed as not
// run, with how to run it, and the user's experiment gets a table and a
// section.
func TestBuildReportWithoutResults(t *testing.T) {
	paper := t.TempDir()
	if err := Build(userResults(t), paper); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	md := string(b)
	for _, id := range paperClaimIDs {
		i := strings.Index(md, `<a id="`+id+`"></a>`)
		if i < 0 {
			t.Errorf("REPORT.md lacks claim %s", id)
			continue
		}
		if sec := md[i:]; !strings.Contains(sec[:strings.Index(sec, "- **Verdict:**")+40], NotRun) {
			t.Errorf("claim %s is not marked %q", id, NotRun)
		}
	}
	for _, s := range []string{"configs/mp_inference.toml", "configs/mpft_peft.toml", "configs/efficiency.toml", "configs/icl_instruct.toml", "configs/icl_scale.toml"} {
		if !strings.Contains(md, s) {
			t.Errorf("REPORT.md does not say how to run %s", s)
		}
	}
}

// userResults is a results folder holding one finished trial of a user's
// own experiment "my_sweep" (no registered report).
func userResults(t *testing.T) string {
	results := t.TempDir()
	m := synthModel("mamba-s", "mamba", "Mamba", 1000, 0)
	sum := summary.MPFT{Model: m, Method: "full", Precision: "bf16", Shots: []int{0, 2}, Acc: []float64{0.25, 0.5}, RefAcc: []float64{0.25, 0.25}}
	layoutTrials(t, results, "my_sweep", []store.Result{synthResult("my_sweep", ax("lr", 0.001), nil, sum)})
	return results
}

// A user's experiment gets a table of its rows and a section in REPORT.md.
func TestBuildReportUserExperiment(t *testing.T) {
	paper := t.TempDir()
	if err := Build(userResults(t), paper); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	if !strings.Contains(string(md), "Experiments with results: my_sweep (1 trials)") || !strings.Contains(string(md), "tables/experiment_my_sweep.md") {
		t.Errorf("REPORT.md does not list my_sweep:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(paper, "figures", "experiment_my_sweep.png")); err != nil || !strings.Contains(string(md), "figures/experiment_my_sweep.png") {
		t.Errorf("no per-shot figure for my_sweep: %v", err)
	}
	tab, err := os.ReadFile(filepath.Join(paper, "tables", "experiment_my_sweep.md"))
	if err != nil {
		t.Fatal(err)
	}
	// two shot counts: two rows, acc 0.25 then 0.5, the sweep value as a column
	for _, want := range []string{"axis.lr", "| lr=0.001 | summary | 0 |", "| lr=0.001 | summary | 2 |", "| 0.5 |"} {
		if !strings.Contains(string(tab), want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
}

// A missing or empty results folder is an error and leaves paper/ as it
// was; a new build leaves no file of an older one beside it.
func TestBuildReportMissingResultsAndStaleFiles(t *testing.T) {
	paper := t.TempDir()
	stale := filepath.Join(paper, "figures", "old_figure.png")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(filepath.Join(paper, "REPORT.md"), []byte("old"), 0o644)
	os.WriteFile(stale, []byte("png"), 0o644)
	for _, results := range []string{filepath.Join(t.TempDir(), "DOES-NOT-EXIST"), t.TempDir()} {
		err := Build(results, paper)
		if err == nil || !strings.Contains(err.Error(), results) {
			t.Errorf("Build(%s) = %v, want an error naming it", results, err)
		}
		if b, _ := os.ReadFile(filepath.Join(paper, "REPORT.md")); string(b) != "old" {
			t.Errorf("REPORT.md was rewritten by a failed build: %.40q", b)
		}
	}
	if err := Build(userResults(t), paper); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a figure of the older build survived the new one")
	}
	if ents, _ := os.ReadDir(paper); len(ents) != 3 {
		t.Errorf("paper/ holds %d entries, want figures, tables, REPORT.md", len(ents))
	}
}

// Every finished training run under artifacts/ gets a loss-curve figure
// (train and validation loss), listed in REPORT.md; logs of the older
// per-step layout are drawn too.
func TestBuildDrawsTrainingCurves(t *testing.T) {
	results := userResults(t)
	write := func(kind, name, log string, done bool) {
		dir := filepath.Join(results, "artifacts", kind, name)
		os.MkdirAll(filepath.Join(dir, "train"), 0o755)
		os.WriteFile(filepath.Join(dir, "train", "log.jsonl"), []byte(log), 0o644)
		if done {
			store.MarkDone(dir, "sha256:x")
		}
	}
	write("pretrain", "m_seed=0-abc", `{"step":10,"train_loss":5,"val_loss":4.5}`+"\n"+`{"step":20,"train_loss":4,"val_loss":3.9}`+"\n", true)
	write("finetune", "m_full_fp32_seed=0-def", `{"step":0,"loss":3}`+"\n"+`{"step":1,"loss":2.5}`+"\n", true)
	write("pretrain", "unfinished-123", `{"step":10,"train_loss":5}`+"\n", false)
	paper := t.TempDir()
	if err := Build(results, paper); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"loss_pretrain_m_seed=0-abc.png", "loss_pretrain_m_seed=0-abc.svg", "loss_finetune_m_full_fp32_seed=0-def.png"} {
		if _, err := os.Stat(filepath.Join(paper, "figures", f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(paper, "figures", "loss_pretrain_unfinished-123.png")); err == nil {
		t.Error("an unfinished run got a figure")
	}
	md, _ := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	if !strings.Contains(string(md), "(figures/loss_pretrain_m_seed=0-abc.png)") || !strings.Contains(string(md), "| 2 runs |") {
		t.Errorf("REPORT.md does not list the curves:\n%s", md)
	}
	train, val, err := readCurve(filepath.Join(results, "artifacts", "finetune", "m_full_fp32_seed=0-def", "train", "log.jsonl"))
	if err != nil || fmt.Sprint(train.X, train.Y) != "[1 2] [3 2.5]" || len(val.X) != 0 {
		t.Errorf("older layout: %v %v %v %v", train.X, train.Y, val.X, err)
	}
}

// A diverged run's curve (non-finite losses, logged as "NaN" and
// "Infinity" strings) is drawn from its finite points; it does not stop
// figures.
func TestBuildDrawsDivergedCurves(t *testing.T) {
	results := userResults(t)
	dir := filepath.Join(results, "artifacts", "finetune", "m_full_fp32_seed=0-nan")
	os.MkdirAll(filepath.Join(dir, "train"), 0o755)
	log := `{"step":1,"train_loss":5.5,"val_loss":5.4,"lr":1e9,"grad_norm":3}` + "\n" +
		`{"step":2,"train_loss":"Infinity","val_loss":"NaN","lr":1e9,"grad_norm":"NaN"}` + "\n" +
		`{"step":3,"train_loss":"NaN","val_loss":"NaN","lr":1e9,"grad_norm":"NaN"}` + "\n"
	os.WriteFile(filepath.Join(dir, "train", "log.jsonl"), []byte(log), 0o644)
	store.MarkDone(dir, "sha256:x")
	if err := Build(results, t.TempDir()); err != nil {
		t.Fatalf("figures over a diverged run: %v", err)
	}
	train, val, err := readCurve(filepath.Join(dir, "train", "log.jsonl"))
	if err != nil || fmt.Sprint(train.X, train.Y, val.X, val.Y) != "[1] [5.5] [1] [5.4]" {
		t.Errorf("diverged curve: %v %v %v %v %v", train.X, train.Y, val.X, val.Y, err)
	}
}
