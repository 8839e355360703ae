package main

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// Every architecture and mode prints one JSON object with the contract's
// keys (docs/commands.md) and sane values.
func TestBenchJSONContract(t *testing.T) {
	cases := []struct{ arch, mode, prec string }{
		{"mamba", "infer", "bf16"}, {"gpt_neox", "train", "bf16"}, {"gpt_neox", "infer", "fp32"}, {"llama", "train", "fp16"},
	}
	// every registered architecture benches (the registry builds it and counts its FLOPs)
	for _, a := range models.Names() {
		cases = append(cases, struct{ arch, mode, prec string }{a, "train", "fp32"})
	}
	for _, c := range cases {
		args := []string{"bench", "--arch", c.arch, "--vocab", "32", "--d-model", "32", "--layers", "1",
			"--batch", "2", "--seq", "8", "--mode", c.mode, "--precision", c.prec, "--steps", "2", "--warmup", "1",
			"--d-state", "4", "--heads", "2", "--threads", "2", "--mixers", "mamba,attention"}
		procs := runtime.GOMAXPROCS(0)
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c, code, errs)
		}
		if p := runtime.GOMAXPROCS(0); p != procs {
			t.Errorf("--threads leaked into the process: GOMAXPROCS %d, was %d", p, procs)
		}
		if strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Fatalf("%v: want one line, got %q", c, out)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %v in %q", c, err, out)
		}
		for _, k := range []string{"tokens_per_s", "seconds_per_step", "peak_bytes", "gflops", "peak_bytes_per_token", "params", "flops_per_token"} {
			if v, ok := m[k].(float64); !ok || !(v > 0) {
				t.Errorf("%v: %s = %v, want a positive number", c, k, m[k])
			}
		}
		// every model multiplies matrices in its step; the products' wall
		// time is part of the step's
		g, ok := m["gemm_seconds_per_step"].(float64)
		if sps, _ := m["seconds_per_step"].(float64); !ok || !(g > 0) || g > sps {
			t.Errorf("%v: gemm_seconds_per_step = %v, want in (0, seconds_per_step %v]", c, m["gemm_seconds_per_step"], sps)
		}
		// per-head (attention) and per-chunk (Mamba-2) products run on the workers
		serial, _ := m["gemm_serial_cpu_seconds_per_step"].(float64)
		if wantSerial := c.arch == "mamba2" || models.IsKind(c.arch, models.Attention); (serial > 0) != wantSerial {
			t.Errorf("%v: gemm_serial_cpu_seconds_per_step = %v, want >0: %v", c, serial, wantSerial)
		}
		for k, want := range map[string]any{"backend": nil, "arch": c.arch, "mode": c.mode, "precision": c.prec,
			"half_native": nil, "go_version": runtime.Version(), "gomaxprocs": 2.0, "batch": 2.0, "seq": 8.0, "lora": false,
			"kernels": tensor.Kernels()} {
			v, ok := m[k]
			if !ok || (want != nil && v != want) {
				t.Errorf("%v: %s = %v, want %v", c, k, v, want)
			}
		}
	}
}

// LoRA freezes the base: fewer trainable parameters, fewer FLOPs per token
// than full training of the same model.
func TestBenchLoRA(t *testing.T) {
	get := func(extra ...string) map[string]float64 {
		args := append([]string{"bench", "--arch", "mamba", "--vocab", "32", "--d-model", "64", "--layers", "2",
			"--batch", "2", "--seq", "8", "--mode", "train", "--steps", "1", "--warmup", "0"}, extra...)
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		res := map[string]float64{}
		for k, v := range m {
			if f, ok := v.(float64); ok {
				res[k] = f
			}
		}
		return res
	}
	full, lo := get(), get("--lora", "--precision", "bf16")
	if !(lo["trainable_params"] < full["trainable_params"]/2) || lo["params"] <= full["params"] {
		t.Errorf("lora: %v of %v trainable; full %v of %v", lo["trainable_params"], lo["params"], full["trainable_params"], full["params"])
	}
	if !(lo["flops_per_token"] < full["flops_per_token"]) {
		t.Errorf("lora flops/token %v, full %v", lo["flops_per_token"], full["flops_per_token"])
	}
}

// Hand-computed FLOPs of a tiny Mamba (D 4, E 8, N 2, R 1, K 4, V 16, one
// layer): linears in_proj 4x16, x_proj 8x5, dt_proj 1x8, out_proj 8x4, the
// tied head 4x16: Σ in·out = 64+40+8+32+64 = 208 → forward 416; mixing
// 2·8·4 + 8·8·2 = 192. Forward 608; train 3·416 + 3·192 = 1824.
func TestBenchFLOPsMamba(t *testing.T) {
	o := &benchOpts{arch: "mamba", vocab: 16, d: 4, layers: 1, seq: 8, dstate: 2, seed: 1}
	m, err := buildBenchModel(o)
	if err != nil {
		t.Fatal(err)
	}
	f, err := benchFLOPs(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if f.forward != 608 || f.train != 1824 {
		t.Errorf("forward %v, train %v; want 608, 1824", f.forward, f.train)
	}
}

// Bad flags exit 2 with one line naming the problem, and print no JSON.
func TestBenchFlagErrors(t *testing.T) {
	base := []string{"--vocab", "32", "--d-model", "32", "--layers", "1", "--batch", "2", "--seq", "8"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append([]string{"--mode", "train"}, base...), "--arch is required"},
		{append([]string{"--arch", "rwkv", "--mode", "train"}, base...), `--arch "rwkv"`},
		{append([]string{"--arch", "mamba", "--mode", "decode"}, base...), `--mode "decode"`},
		{append([]string{"--arch", "mamba", "--mode", "train", "--precision", "fp8"}, base...), "--precision"},
		{append([]string{"--arch", "mamba", "--mode", "train", "--backend", "nosuch"}, base...), "--backend"},
		{[]string{"--arch", "mamba", "--mode", "train", "--vocab", "32", "--d-model", "0", "--layers", "1", "--batch", "2", "--seq", "8"}, "--d-model is required"},
		{append([]string{"--arch", "mamba", "--mode", "train", "--steps", "0"}, base...), "--steps (got 0) must be positive"},
		{append([]string{"--arch", "mamba", "--mode", "train", "--stpes", "3"}, base...), "did you mean --steps"},
		{[]string{"--arch", "mamba", "--mode", "train"}, "--vocab, --d-model, --layers, --batch, --seq are required"},
		{[]string{"--arch", "mamba", "--mode", "train", "--vocab", "32", "--d-model", "-1", "--batch", "2", "--seq", "8"}, "--d-model (got -1), --layers must be positive"},
		{append([]string{"--arch", "mamba", "--mode", "train", "extra"}, base...), "no positional arguments"},
	} {
		code, out, errs := runCLI(t, append([]string{"bench"}, c.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
}

// The FLOP counts of the architectures' footprints (what validate's time
// estimates use, from a config alone) equal bench's count on the built
// model, forward and training; with the base frozen (LoRA, adapters left
// out) training skips the weight gradients.
func TestFootprintFLOPsMatchBench(t *testing.T) {
	for _, arch := range []string{"mamba", "mamba2", "gpt_neox", "llama", "olmo"} {
		o := &benchOpts{arch: arch, vocab: 40, d: 64, layers: 2, seq: 12, seed: 1}
		m, err := buildBenchModel(o)
		if err != nil {
			t.Fatal(err)
		}
		var fp lm.Footprint
		switch m := m.(type) {
		case *mamba.Model:
			fp = m.Cfg.Footprint()
		case *mamba2.Model:
			fp = m.Config().Footprint()
		case *transformer.GPTNeoX:
			fp = m.Cfg.Footprint()
		case *transformer.Llama:
			fp = m.Cfg.Footprint()
		}
		want, err := benchFLOPs(m, o)
		if err != nil {
			t.Fatal(err)
		}
		fwd, train := fp.ForwardFlops(o.seq), fp.TrainFlops(o.seq, false)
		if fwd == 0 || math.Abs(fwd-want.forward) > 1e-9*want.forward || math.Abs(train-want.train) > 1e-9*want.train {
			t.Errorf("%s: footprint forward %v train %v, bench %v and %v", arch, fwd, train, want.forward, want.train)
		}
		if d := train - fp.TrainFlops(o.seq, true); d != fp.Flops {
			t.Errorf("%s: a frozen base saves %v FLOPs a token, want the linears' %v", arch, d, fp.Flops)
		}
	}
}

// Sizes beyond the machine's memory or ssmlab's limits are refused in one
// line before anything is allocated (--batch 1e9 died with "fatal error:
// out of memory" and a runtime trace).
func TestBenchRefusesAbsurdSizes(t *testing.T) {
	t.Setenv("SSMLAB_MEMORY", "4GB")
	base := []string{"bench", "--vocab", "16", "--d-model", "32", "--layers", "1", "--batch", "1", "--seq", "4", "--steps", "1", "--warmup", "0"}
	for _, arch := range []string{"mamba", "mamba2", "gpt_neox", "llama", "olmo"} {
		for _, c := range []struct {
			flag, value, mode, want string
		}{
			{"--batch", "1000000000", "train", "TB; SSMLAB_MEMORY allows 4 GB; lower --batch or --seq"},
			{"--seq", "1000000000", "infer", "TB; SSMLAB_MEMORY allows 4 GB; lower --batch or --seq"},
			{"--d-model", "1000000000", "train", "parameters is beyond what ssmlab runs"},
			{"--vocab", "1000000000", "infer", "parameters is beyond what ssmlab runs"},
		} {
			args := append(append([]string{}, base...), "--arch", arch, "--mode", c.mode, c.flag, c.value)
			code, out, errs := runCLI(t, args...)
			if code != 1 || out != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("%s %s %s: exit %d, stderr %q", arch, c.flag, c.value, code, errs)
			}
		}
	}
}

// --lora-targets adapts only the named linears (x_proj: fewer trainable
// parameters than every linear), is recorded, and needs --lora.
func TestBenchLoRATargets(t *testing.T) {
	base := []string{"bench", "--arch", "mamba", "--vocab", "64", "--d-model", "32", "--layers", "2", "--batch", "2", "--seq", "8", "--mode", "train", "--steps", "1", "--warmup", "0", "--lora"}
	trainable := func(extra ...string) (float64, string) {
		code, out, errs := runCLI(t, append(append([]string(nil), base...), extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		s, _ := m["lora_targets"].(string)
		return m["trainable_params"].(float64), s
	}
	all, _ := trainable()
	sub, rec := trainable("--lora-targets", "x_proj")
	if !(sub > 0 && sub < all) || rec != "x_proj" {
		t.Errorf("x_proj: %v trainable (every linear: %v), recorded %q", sub, all, rec)
	}
	if code, _, errs := runCLI(t, append(base[:len(base)-1], "--lora-targets", "x_proj")...); code != 2 || !strings.Contains(errs, "--lora-targets needs --lora") {
		t.Errorf("without --lora: exit %d, %q", code, errs)
	}
}
