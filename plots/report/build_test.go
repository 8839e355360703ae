package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// Without results, every claim is listed as not run, with how to run it.
func TestBuildReportWithoutResults(t *testing.T) {
	paper := t.TempDir()
	if err := Build(t.TempDir(), paper); err != nil {
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
