package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

var smallMambaBench = []string{"bench", "--arch", "mamba", "--vocab", "64", "--d-model", "32", "--layers", "2",
	"--batch", "2", "--seq", "16", "--mode", "infer", "--steps", "2", "--warmup", "1", "--device", "cuda"}

// Without a GPU, --device cuda is one line naming what is missing and a
// non-zero exit; with one, bench prints the contract's JSON with the GPU
// named and a device peak.
func TestBenchDeviceCUDA(t *testing.T) {
	code, out, errs := runCLI(t, smallMambaBench...)
	if _, err := cuda.Open(); err != nil {
		if requireGPU() {
			t.Fatalf("SSMLAB_REQUIRE_GPU is set but: %v", err)
		}
		if code != 1 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "--device cuda: ") {
			t.Errorf("without a GPU: exit %d, stdout %q, stderr %q; want exit 1 and one line", code, out, errs)
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	for _, k := range []string{"tokens_per_s", "seconds_per_step", "peak_bytes", "peak_bytes_per_token", "loss"} {
		if v, ok := m[k].(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v, want a positive number", k, m[k])
		}
	}
	if d, _ := m["device"].(string); !strings.HasPrefix(d, "cuda: ") {
		t.Errorf("device = %q, want the GPU named", d)
	}
}

// bench --mode train --device cuda prints the contract's JSON for every
// policy, full and LoRA (skipped without a GPU).
func TestBenchDeviceCUDATrain(t *testing.T) {
	needGPU(t)
	for _, extra := range [][]string{{"--precision", "fp32"}, {"--precision", "bf16"}, {"--precision", "fp16"}, {"--precision", "bf16", "--lora"}} {
		args := append(append([]string(nil), smallMambaBench...), "--mode", "train")
		code, out, errs := runCLI(t, append(args, extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %v in %q", extra, err, out)
		}
		for _, k := range []string{"tokens_per_s", "seconds_per_step", "peak_bytes", "peak_bytes_per_token", "loss", "trainable_params"} {
			if v, ok := m[k].(float64); !ok || !(v > 0) {
				t.Errorf("%v: %s = %v, want a positive number", extra, k, m[k])
			}
		}
		if m["mode"] != "train" || m["lora"] != (len(extra) == 3) {
			t.Errorf("%v: mode %v lora %v", extra, m["mode"], m["lora"])
		}
	}
}

// What the GPU backend does not run is an error, never a CPU fall-back.
func TestBenchDeviceCUDAUnsupported(t *testing.T) {
	for _, extra := range [][]string{{"--arch", "llama"}, {"--mode", "train", "--precision", "bf16-pure"}, {"--precision", "fp16"}, {"--lora"}} {
		args := append(append([]string(nil), smallMambaBench...), extra...)
		code, out, errs := runCLI(t, args...)
		if code == 0 || out != "" || !strings.Contains(errs, "--device cuda: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", extra, code, out, errs)
		}
	}
	if code, _, errs := runCLI(t, append(append([]string(nil), smallMambaBench...), "--device", "gpu")...); code != 2 || !strings.Contains(errs, `--device "gpu"`) {
		t.Errorf("--device gpu: exit %d, %q", code, errs)
	}
}

// forward --device cuda writes the CPU path's logits and loss to within
// the parity tolerance (skipped without a GPU).
func TestForwardDeviceCUDA(t *testing.T) {
	needGPU(t)
	outs := forwardCPUAndCUDA(t)
	for _, name := range []string{"logits", "loss"} {
		if e := testfix.RelMaxErr(testfix.Float32(t, outs[1], name), testfix.Float32(t, outs[0], name)); e > 1e-4 {
			t.Errorf("%s: GPU differs from CPU by %.3g of the largest value", name, e)
		}
	}
}

// forward --grads --device cuda writes the CPU path's gradients of every
// parameter to within 1e-3 of each one's largest value (skipped without a
// GPU).
func TestForwardGradsDeviceCUDA(t *testing.T) {
	needGPU(t)
	outs := forwardCPUAndCUDA(t, "--grads")
	n := 0
	for _, name := range outs[0].Names() {
		tol := 1e-3
		if name == "logits" || name == "loss" {
			tol = 1e-4
		} else if !strings.HasPrefix(name, "grad.") {
			continue
		}
		n++
		if e := testfix.RelMaxErr(testfix.Float32(t, outs[1], name), testfix.Float32(t, outs[0], name)); e > tol {
			t.Errorf("%s: GPU differs from CPU by %.3g of the largest value", name, e)
		}
	}
	if n < 10 {
		t.Errorf("only %d tensors compared", n)
	}
}

// forwardCPUAndCUDA runs forward (with extra flags) on the Mamba fixture's
// input ids with --device cpu and with --device cuda, and returns the two
// output files in that order.
func forwardCPUAndCUDA(t *testing.T, extra ...string) [2]*safetensors.File {
	t.Helper()
	dir := filepath.Join(testfix.SeedDirs(t)[0], "mamba")
	tmp := t.TempDir()
	in := filepath.Join(tmp, "in.safetensors")
	ref := testfix.Read(t, filepath.Join(dir, "reference.safetensors"))
	ids, B, T := testfix.IDsOf(t, ref, "input_ids")
	id64 := make([]int64, len(ids))
	for i, v := range ids {
		id64[i] = int64(v)
	}
	if err := safetensors.WriteFile(in, []safetensors.Tensor{safetensors.I64Tensor("input_ids", []int{B, T}, id64)}, nil); err != nil {
		t.Fatal(err)
	}
	var outs [2]*safetensors.File
	for i, dev := range []string{"cpu", "cuda"} {
		out := filepath.Join(tmp, dev+".safetensors")
		args := append([]string{"forward", "--model", dir, "--input", in, "--out", out}, extra...)
		if code, _, errs := runCLI(t, append(args, "--device", dev)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", dev, code, errs)
		}
		outs[i] = testfix.Read(t, out)
	}
	return outs
}

// needGPU skips t without a GPU, or fails it where SSMLAB_REQUIRE_GPU is set.
func needGPU(t *testing.T) {
	t.Helper()
	if _, err := cuda.Open(); err != nil {
		if requireGPU() {
			t.Fatal(err)
		}
		t.Skipf("no GPU: %v", err)
	}
}

func requireGPU() bool { return os.Getenv("SSMLAB_REQUIRE_GPU") != "" }
