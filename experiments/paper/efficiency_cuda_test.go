package paper

import (
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
)

const efficiencyFile = "../../configs/efficiency.toml"

// The gpu profile of Fig. 2 is the paper's sizes on the GPU: 24 trials,
// each keyed by its device, batch 8 x 512, at the HF configs' shapes.
func TestEfficiencyGPUProfile(t *testing.T) {
	e, err := experiments.Load(efficiencyFile, "gpu")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Trials) != 24 || e.ProfileMissing {
		t.Fatalf("%d trials (missing %v), want 24", len(e.Trials), e.ProfileMissing)
	}
	models := map[string]bool{}
	for _, tr := range e.Trials {
		if tr.Device != "cuda" || !strings.HasSuffix(tr.Key, "_device=cuda") || tr.Train.BatchSize != 8 || tr.Train.SeqLen != 512 {
			t.Errorf("trial %s: device %q, batch %d x %d", tr.Key, tr.Device, tr.Train.BatchSize, tr.Train.SeqLen)
		}
		m := tr.Model
		models[tr.ModelName] = true
		want := map[string][4]int{ // vocab, d_model, layers, heads
			"mamba-130m-shape": {50280, 768, 24, 0}, "mamba-370m-shape": {50280, 1024, 48, 0},
			"pythia-160m-shape": {50304, 768, 12, 12}, "pythia-410m-shape": {50304, 1024, 24, 16},
		}[tr.ModelName]
		if got := [4]int{m.Vocab, m.DModel, m.Layers, m.Heads}; got != want {
			t.Errorf("%s: vocab, d_model, layers, heads = %v, want %v", tr.ModelName, got, want)
		}
	}
	if len(models) != 4 {
		t.Errorf("models %v", models)
	}
}

// A cuda trial the GPU backend cannot run is refused when the file is
// loaded (ssmlab validate), before any run.
func TestEfficiencyGPUCheck(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{`sweep.model=["llama-s"]`, "arch llama does not run on the GPU (mamba and gpt_neox do)"},
		{`sweep.precision=["bf16-pure"]`, "pure 16-bit weights are CPU-only"},
	} {
		_, err := experiments.Load(efficiencyFile, "quick", `device="cuda"`, tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.set, err, tc.want)
		}
	}
	if _, err := experiments.Load(efficiencyFile, "quick", `device="cuda"`); err != nil {
		t.Errorf("quick on cuda: %v", err)
	}
}
