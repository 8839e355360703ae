package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/score"
)

// eval --device cuda: without a GPU one line and no results file (CI); with
// one, the same accuracies as the CPU's whole-request scoring, and the GPU
// named in the results.
func TestEvalDeviceCUDA(t *testing.T) {
	model := tinyMambaDir(t)
	out := filepath.Join(t.TempDir(), "res.json")
	args := []string{"eval", "--model", model, "--tasks", "piqa", "--data", taskData, "--output", out, "--device", "cuda"}
	code, stdout, errs := runCLI(t, args...)
	if _, err := cuda.Open(); err != nil {
		if requireGPU() {
			t.Fatalf("SSMLAB_REQUIRE_GPU is set but: %v", err)
		}
		if want := "ssmlab eval: --device cuda: " + err.Error(); code != 1 || stdout != "" || strings.TrimSpace(errs) != want {
			t.Errorf("without a GPU: exit %d, stdout %q, stderr %q; want %q", code, stdout, errs, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("wrote results without a GPU")
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	gpu, _ := os.ReadFile(out)
	cpuOut := filepath.Join(t.TempDir(), "cpu.json")
	if code, _, errs := runCLI(t, "eval", "--model", model, "--tasks", "piqa", "--data", taskData, "--output", cpuOut, "--no-share"); code != 0 {
		t.Fatal(errs)
	}
	cpu, _ := os.ReadFile(cpuOut)
	if !strings.Contains(string(gpu), `"device": "cuda: `) || !strings.Contains(string(gpu), `"shared_context": false`) {
		t.Errorf("results do not name the GPU or say scoring was whole:\n%s", gpu)
	}
	acc := func(b []byte) string { i := strings.Index(string(b), `"acc,none"`); return string(b[i : i+40]) }
	if acc(gpu) != acc(cpu) {
		t.Errorf("GPU %s, CPU %s", acc(gpu), acc(cpu))
	}
	if code, _, errs := runCLI(t, append(args[:len(args)-2], "--device", "tpu")...); code != 2 || !strings.Contains(errs, `--device "tpu"`) {
		t.Errorf("--device tpu: exit %d, %q", code, errs)
	}
}

// cpuDevice stands in for a GPU model: the CPU model's logits, or an error.
type cpuDevice struct {
	m      lm.Model
	logits []float32
	fail   error
	calls  int
}

func (c *cpuDevice) Forward(ids []int, B, T int) error {
	c.calls++
	if c.fail != nil {
		return c.fail
	}
	c.logits = c.m.Forward(precision.Policy{}, ids, B, T)
	return nil
}

func (c *cpuDevice) Logits() ([]float32, error) { return c.logits, nil }

// The device path of eval: every request scored whole from the device's
// logits gives the CPU's whole-request log-likelihoods exactly (same
// logits), and a device error is reported, not scored as NaN.
func TestEvalDeviceScorer(t *testing.T) {
	model := tinyMambaDir(t)
	m, err := hf.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(filepath.Join(model, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pairs []score.Pair
	for _, r := range [][2]string{{"Question: a cat", " sat"}, {"Question: a cat", " ran far"}, {"x", " y z w"}} {
		c, k := lmeval.EncodePair(tok, r[0], r[1])
		pairs = append(pairs, score.Pair{Ctx: c, Cont: k})
	}
	o := score.Options{MaxLen: 64, Batch: 2, Share: true}
	dev := &cpuDevice{m: m}
	got, err := score.Score(&deviceScorer{Model: m, dev: dev}, o, pairs)
	if err != nil {
		t.Fatal(err)
	}
	o.Share = false
	want, err := score.Score(m, o, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if dev.calls != 2 {
		t.Errorf("%d device forwards, want 2 (3 whole requests, batch 2)", dev.calls)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: device %+v, CPU %+v", i, got[i], want[i])
		}
	}
	ds := &deviceScorer{Model: m, dev: &cpuDevice{m: m, fail: errors.New("CUDA_ERROR_ILLEGAL_ADDRESS")}}
	if _, err := score.Score(ds, o, pairs); err != nil || ds.Err() == nil || ds.Err().Error() != "CUDA_ERROR_ILLEGAL_ADDRESS" {
		t.Errorf("device error: score err %v, kept %v", err, ds.Err())
	}
}
