package paper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/precision"
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

// fakeGPU stands in for a GPU: trainers and models that count what the
// efficiency kind asks of them.
type fakeGPU struct {
	uploadErr error
	loss      float64
	trainers  []*fakeTrainer
	models    []*fakeLM
	syncs     int
}

func (f *fakeGPU) Name() string     { return "Fake GPU" }
func (f *fakeGPU) Describe() string { return "cuda: Fake GPU (sm_00, 1 SMs, 1.0 GiB), driver CUDA 0.0" }
func (f *fakeGPU) Sync() error      { f.syncs++; return nil }
func (f *fakeGPU) EmptyCache()      {}
func (f *fakeGPU) NewTrainer(m lm.Model, o cuda.TrainOptions) (cuda.Trainer, error) {
	t := &fakeTrainer{m: m, o: o, loss: f.loss}
	f.trainers = append(f.trainers, t)
	return t, nil
}
func (f *fakeGPU) Upload(m lm.Model, pol precision.Policy) (cuda.LM, error) {
	if f.uploadErr != nil {
		return nil, f.uploadErr
	}
	l := &fakeLM{}
	f.models = append(f.models, l)
	return l, nil
}

type fakeTrainer struct {
	m            lm.Model
	o            cuda.TrainOptions
	loss         float64
	steps, frees int
}

func (t *fakeTrainer) Step(ids, targets []int, B, T int) (float64, bool, error) {
	if len(ids) != B*T || len(targets) != B*T {
		return 0, false, fmt.Errorf("%d ids, %d targets for %d x %d", len(ids), len(targets), B, T)
	}
	t.steps++
	time.Sleep(time.Millisecond)
	return t.loss, true, nil
}
func (t *fakeTrainer) Grads(ids, targets []int, B, T int) (float64, [][]float32, error) {
	return 0, nil, nil
}
func (t *fakeTrainer) Download() error { return nil }
func (t *fakeTrainer) Peak() uint64    { return 123 << 20 }
func (t *fakeTrainer) Free()           { t.frees++ }

type fakeLM struct{ forwards, frees int }

func (l *fakeLM) Forward(ids []int, B, T int) error {
	l.forwards++
	time.Sleep(time.Millisecond)
	return nil
}
func (l *fakeLM) Logits() ([]float32, error)               { return nil, nil }
func (l *fakeLM) Loss(targets []int) (float64, int, error) { return 0, 0, nil }
func (l *fakeLM) Free()                                    { l.frees++ }

// The efficiency kind's GPU path on a stand-in GPU: the method and policy
// reach the trainer (LoRA as a *lora.Model), every step and forward is
// synchronised, the trainer and model are freed once, the summary and
// provenance name the device and take memory from the trainer's peak; a
// policy the backend cannot upload for inference is recorded, not run on
// the CPU; a non-finite loss fails the trial.
func TestEfficiencyOnFakeGPU(t *testing.T) {
	fake := &fakeGPU{loss: 10.8}
	defer func(old func() (gpuDevice, error)) { openGPU = old }(openGPU)
	openGPU = func() (gpuDevice, error) { return fake, nil }
	e, err := experiments.Load(efficiencyFile, "quick", `device="cuda"`, `sweep.model=["mamba-s"]`, `sweep.precision=["bf16"]`,
		`sweep.method=["full","lora_all"]`, "params.steps=4", "params.infer_iters=3", "train.batch_size=2", "train.seq_len=16")
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	run := func(force bool) error {
		_, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Force: force, Command: []string{"test"}})
		return err
	}
	if err := run(false); err != nil {
		t.Fatal(err)
	}
	if len(fake.trainers) != 2 || len(fake.models) != 2 {
		t.Fatalf("%d trainers, %d uploads; want 2 each", len(fake.trainers), len(fake.models))
	}
	for i, tr := range fake.trainers {
		_, isLoRA := tr.m.(*lora.Model)
		if tr.steps != 4 || tr.frees != 1 || tr.o.Policy.String() != "bf16" || isLoRA != (i == 1) || tr.o.LR <= 0 {
			t.Errorf("trainer %d: %d steps, %d frees, policy %s, LoRA %v, lr %v", i, tr.steps, tr.frees, tr.o.Policy, isLoRA, tr.o.LR)
		}
		if l := fake.models[i]; l.forwards != 4 || l.frees != 1 { // a warm-up and 3 timed
			t.Errorf("model %d: %d forwards, %d frees", i, l.forwards, l.frees)
		}
	}
	if fake.syncs != 2*(4+4) {
		t.Errorf("%d device syncs, want one per step and forward (16)", fake.syncs)
	}
	for _, tr := range e.Trials {
		dir := filepath.Join(results, "runs", "efficiency", tr.Key)
		var s summary.Efficiency
		if err := readSummary(dir, &s); err != nil {
			t.Fatal(err)
		}
		if s.Device != fake.Describe() || s.TrainPeakBytes != 123<<20 || s.BytesPerToken != float64(123<<20)/32 ||
			!(s.TrainTokensPSMedian > 0) || !(s.InferTokensPSMedian > 0) || !s.HalfNative || s.ResidentBytesPerToken != 0 || s.InferSkipped != "" {
			t.Errorf("%s: summary %+v", tr.Key, s)
		}
		prov, _ := os.ReadFile(filepath.Join(dir, "provenance.json"))
		if !strings.Contains(string(prov), `"device": "cuda: Fake GPU`) {
			t.Errorf("%s: provenance does not name the device", tr.Key)
		}
	}

	fake.uploadErr = errors.New("mamba under bf16 is not on the GPU yet")
	if err := run(true); err != nil {
		t.Fatal(err)
	}
	var s summary.Efficiency
	if err := readSummary(filepath.Join(results, "runs", "efficiency", e.Trials[0].Key), &s); err != nil {
		t.Fatal(err)
	}
	if s.InferSkipped != fake.uploadErr.Error() || s.InferTokensPS != 0 || !(s.TrainTokensPS > 0) {
		t.Errorf("upload refused: skipped %q, infer %v, train %v", s.InferSkipped, s.InferTokensPS, s.TrainTokensPS)
	}

	fake.uploadErr, fake.loss = nil, math.NaN()
	if err := run(true); err == nil || !strings.Contains(err.Error(), "the training loss became NaN") {
		t.Errorf("NaN loss: %v", err)
	}
}
