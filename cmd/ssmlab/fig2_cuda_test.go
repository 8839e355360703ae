package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/cuda"
)

// A tiny version of the gpu profile of configs/efficiency.toml: two small
// models, full fine-tuning and LoRA, fp32 and bf16.
func tinyGPUFig2(results string) []string {
	return []string{"run", "../../configs/efficiency.toml", "--profile", "gpu", "--results", results,
		"--set", `sweep.model=["mamba-s","pythia-s"]`, "--set", `sweep.method=["full","lora_all"]`,
		"--set", "train.batch_size=2", "--set", "train.seq_len=32", "--set", "params.steps=3", "--set", "params.infer_iters=1"}
}

// Fig. 2 on the GPU: without one, the run is one line naming what is
// missing, and nothing is written; with one, every trial's summary names
// the GPU, its rates and device peak are positive, and the report's Fig. 2
// judges the GPU rows.
func TestRunDeviceCUDAEfficiency(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results")
	code, out, errs := runCLI(t, tinyGPUFig2(results)...)
	if _, err := cuda.Open(); err != nil {
		if requireGPU() {
			t.Fatalf("SSMLAB_REQUIRE_GPU is set but: %v", err)
		}
		want := `ssmlab run: ../../configs/efficiency.toml: device = "cuda": ` + err.Error()
		if code != 1 || out != "" || strings.TrimSpace(errs) != want {
			t.Errorf("without a GPU: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, want)
		}
		if _, err := os.Stat(results); !os.IsNotExist(err) {
			t.Errorf("the refused run wrote %s", results)
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sums, _ := filepath.Glob(filepath.Join(results, "runs", "efficiency", "*_device=cuda", "summary.json"))
	if len(sums) != 8 {
		t.Fatalf("%d summaries, want 8 (every key ends in _device=cuda)", len(sums))
	}
	for _, f := range sums {
		raw, _ := os.ReadFile(f)
		var s map[string]any
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		if d, _ := s["device"].(string); !strings.HasPrefix(d, "cuda: ") {
			t.Errorf("%s: device %q, want the GPU named", f, d)
		}
		for _, k := range []string{"train_tokens_per_s_median", "train_peak_bytes"} {
			if v, _ := s[k].(float64); !(v > 0) {
				t.Errorf("%s: %s = %v, want > 0", f, k, s[k])
			}
		}
		prov, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "provenance.json"))
		if !strings.Contains(string(prov), `"device": "cuda: `) {
			t.Errorf("%s: provenance does not name the GPU", f)
		}
	}
	paper := filepath.Join(results, "paper")
	if code, _, errs := runCLI(t, "figures", "--results", results, "--paper", paper); code != 0 {
		t.Fatalf("figures: %s", errs)
	}
	rep, _ := os.ReadFile(filepath.Join(paper, "REPORT.md"))
	md := string(rep)
	i := strings.Index(md, `<a id="fig2-speedup"></a>`)
	if i < 0 {
		t.Fatal("REPORT.md has no Fig. 2 speed-up claim")
	}
	verdict := md[i:]
	verdict = verdict[strings.Index(verdict, "- **Verdict:**"):]
	verdict = verdict[:strings.Index(verdict, "\n")]
	if strings.Contains(verdict, "not testable") || strings.Contains(verdict, "not run") || !strings.Contains(md, "fig2-speedup-pythia") {
		t.Errorf("Fig. 2 with GPU results: %q (and the Pythia baseline: %v)", verdict, strings.Contains(md, "fig2-speedup-pythia"))
	}
}

// Other kinds refuse device = "cuda" in one line naming the kinds that run
// on the GPU, GPU or not.
func TestRunDeviceCUDAOtherKinds(t *testing.T) {
	results := filepath.Join(t.TempDir(), "results")
	code, out, errs := runCLI(t, "run", "../../configs/lyapunov.toml", "--profile", "quick", "--set", `device="cuda"`, "--results", results)
	want := `ssmlab run: ../../configs/lyapunov.toml: device = "cuda": kind lyapunov runs on the CPU only (kinds that run on cuda: efficiency)`
	if code != 1 || out != "" || strings.TrimSpace(errs) != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, want)
	}
	if _, err := os.Stat(results); !os.IsNotExist(err) {
		t.Errorf("the refused run wrote %s", results)
	}
	code, _, errs = runCLI(t, "run", "../../configs/lyapunov.toml", "--profile", "gpu", "--results", results)
	if code != 1 || !strings.Contains(errs, "no [profile.gpu] table") {
		t.Errorf("lyapunov under the gpu profile: exit %d, %q", code, errs)
	}
}
