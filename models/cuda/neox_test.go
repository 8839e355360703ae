package cuda

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// neoxCase is a small GPT-NeoX shape for the parity tests.
type neoxCase struct {
	name                 string
	V, D, L, H, B, T     int
	rot                  float64
	parallel, tied, bias bool
}

// neoxCases cover head sizes 8 to 128 (both attention tilings), rotary on
// a quarter, half, all or none of each head, the sequential residual,
// tied heads, no biases, and lengths that are no multiple of the 32-key
// tiles.
var neoxCases = []neoxCase{
	{"hd16-rot25", 97, 64, 2, 4, 2, 70, 0.25, true, false, true},
	{"hd32-sequential-tied-rot100", 50, 64, 1, 2, 1, 33, 1, false, true, false},
	{"hd64-rot0", 40, 128, 2, 2, 3, 45, 0, true, false, true},
	{"hd80-rot50", 30, 160, 1, 2, 1, 37, 0.5, true, false, true},
	{"hd128", 30, 256, 1, 2, 2, 20, 0.25, false, false, true},
	{"hd8-short", 30, 16, 1, 2, 2, 5, 0.25, true, false, true},
}

func newNeoXCase(t *testing.T, tc neoxCase, seed uint64) *transformer.GPTNeoX {
	t.Helper()
	c := transformer.DefaultGPTNeoXConfig(tc.V, tc.D, tc.L, tc.H)
	c.ParallelResidual, c.Tied, c.Bias, c.RotaryPct = tc.parallel, tc.tied, tc.bias, tc.rot
	m, err := transformer.NewGPTNeoXZero(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Init(seed)
	r := rand.New(rand.NewPCG(seed, 11))
	for _, p := range m.Params() { // biases and norms away from their init values
		if strings.Contains(p.Name, "bias") || strings.Contains(p.Name, "layernorm") {
			for j := range p.Value.Data {
				p.Value.Data[j] += float32(r.NormFloat64() * 0.1)
			}
		}
	}
	return m
}

// neoxCPUGrads returns the CPU model's logits, mean loss and every parameter's
// gradient (nil for frozen ones) under pol.
func neoxCPUGrads(m lm.Model, pol precision.Policy, ids, tg []int, B, T int) ([]float32, float64, [][]float32) {
	logits := append([]float32(nil), m.Forward(pol, ids, B, T)...)
	loss, gs := cpuGrads(m, pol, ids, tg, B, T)
	return logits, loss, gs
}

// neoxGPUGrads is neoxCPUGrads on the GPU: the inference forward's logits, then a
// training forward and backward.
func neoxGPUGrads(t *testing.T, d *Device, m lm.Model, pol precision.Policy, ids, tg []int, B, T int) ([]float32, float64, [][]float32) {
	t.Helper()
	g, err := NewNeoXTrainable(d, m, pol)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free()
	if err := g.Forward(ids, B, T); err != nil {
		t.Fatal(err)
	}
	logits, err := g.Logits()
	if err != nil {
		t.Fatal(err)
	}
	loss, count, err := g.ForwardBackward(ids, tg, B, T)
	if err != nil {
		t.Fatal(err)
	}
	if want := countTargets(tg); count != want {
		t.Errorf("loss over %d rows, want %d", count, want)
	}
	gs, err := g.GradsHost()
	if err != nil {
		t.Fatal(err)
	}
	return logits, loss, gs
}

func countTargets(tg []int) int {
	n := 0
	for _, t := range tg {
		if t >= 0 {
			n++
		}
	}
	return n
}

// checkGrads is compareGrads over m's parameters, logging the worst error.
func checkGrads(t *testing.T, m lm.Model, got, want [][]float32, tol float64) {
	t.Helper()
	worst, at := compareGrads(t, m.Params(), got, want, tol)
	t.Logf("gradients: worst relative error %.3g (%s)", worst, at)
}

// checkNeoXFP32 runs m's fp32 forward and backward on the CPU and on the
// GPU and compares the logits (parityErr), the loss (1e-5 + 1e-4 relative)
// and every gradient (1e-3 of its largest value).
func checkNeoXFP32(t *testing.T, d *Device, m lm.Model, ids, tg []int, B, T int) {
	t.Helper()
	wantLogits, wantLoss, want := neoxCPUGrads(m, precision.FP32Policy, ids, tg, B, T)
	logits, loss, got := neoxGPUGrads(t, d, m, precision.FP32Policy, ids, tg, B, T)
	if e := parityErr(logits, wantLogits); e > 1 {
		t.Errorf("logits differ from the CPU model by %.3g times the tolerance", e)
	}
	if math.Abs(loss-wantLoss) > 1e-5+1e-4*math.Abs(wantLoss) {
		t.Errorf("loss %.7f, CPU %.7f", loss, wantLoss)
	}
	checkGrads(t, m, got, want, 1e-3)
}

// The GPU GPT-NeoX's fp32 logits and loss equal the CPU model's within
// 1e-5 + 1e-4 of the largest logit, and every parameter's gradient within
// 1e-3 of its largest value, on shapes and seeds of neoxCases.
func TestNeoXGrads(t *testing.T) {
	d := gpu(t)
	for i, tc := range neoxCases {
		t.Run(tc.name, func(t *testing.T) {
			m := newNeoXCase(t, tc, uint64(20+i))
			r := rand.New(rand.NewPCG(uint64(i), 13))
			ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
			tg := nn.ShiftLabels(ids, tc.B, tc.T)
			tg[len(tg)/2] = nn.IgnoreIndex // an ignored row inside the batch
			checkNeoXFP32(t, d, m, ids, tg, tc.B, tc.T)
		})
	}
}

// LoRA on the four GPT-NeoX linears (and on query_key_value alone): the
// adapters' gradients equal the CPU's, the base weights get none.
func TestNeoXLoRAGrads(t *testing.T) {
	d := gpu(t)
	for i, targets := range [][]string{{"query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"}, {"query_key_value"}} {
		t.Run(strings.Join(targets, "+"), func(t *testing.T) {
			tc := neoxCases[i]
			base := newNeoXCase(t, tc, uint64(40+i))
			ad, err := lora.Apply(base, lora.Config{R: 4, Alpha: 8, TargetModules: targets}, 5)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(i), 17))
			for _, p := range ad.Params() { // B starts at zero: make the update count
				for j := range p.Value.Data {
					p.Value.Data[j] += float32(0.1 * r.NormFloat64())
				}
			}
			m := &lora.Model{Model: base, Adapters: ad}
			ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
			tg := nn.ShiftLabels(ids, tc.B, tc.T)
			checkNeoXFP32(t, d, m, ids, tg, tc.B, tc.T)
		})
	}
}

// relL2 is ‖a − b‖ / ‖b‖ over every non-nil gradient.
func relL2(a, b [][]float32) float64 {
	var num, den float64
	for i := range b {
		for j := range b[i] {
			d := float64(a[i][j]) - float64(b[i][j])
			num += d * d
			den += float64(b[i][j]) * float64(b[i][j])
		}
	}
	return math.Sqrt(num / math.Max(den, 1e-30))
}

// Through the generic trainer (NewTrainer), GPT-NeoX's gradients are the
// CPU model's, full and LoRA, and AdamW steps on the GPU leave the model
// Download writes back with the loss the GPU saw (the CPU forward of the
// downloaded weights gives the GPU's next loss).
func TestNeoXTrainer(t *testing.T) {
	d := gpu(t)
	for i, withLoRA := range []bool{false, true} {
		t.Run(map[bool]string{false: "full", true: "lora"}[withLoRA], func(t *testing.T) {
			tc := neoxCases[i]
			base := newNeoXCase(t, tc, uint64(80+i))
			var m lm.Model = base
			if withLoRA {
				ad, err := lora.Apply(base, lora.Config{R: 4, Alpha: 8, TargetModules: []string{"query_key_value", "dense_4h_to_h"}}, 3)
				if err != nil {
					t.Fatal(err)
				}
				m = &lora.Model{Model: base, Adapters: ad}
			}
			r := rand.New(rand.NewPCG(uint64(i), 23))
			ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
			tg := nn.ShiftLabels(ids, tc.B, tc.T)
			_, wantLoss, want := neoxCPUGrads(m, precision.FP32Policy, ids, tg, tc.B, tc.T)
			tr, err := NewTrainer(d, m, TrainOptions{Policy: precision.FP32Policy, LR: 1e-2})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			loss, got, err := tr.Grads(ids, tg, tc.B, tc.T)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(loss-wantLoss) > 1e-5+1e-4*math.Abs(wantLoss) {
				t.Errorf("loss %.7f, CPU %.7f", loss, wantLoss)
			}
			checkGrads(t, m, got, want, 1e-3)
			first := loss
			for s := 0; s < 3; s++ {
				if loss, _, err = tr.Step(ids, tg, tc.B, tc.T); err != nil {
					t.Fatal(err)
				}
			}
			if !(loss < first) {
				t.Errorf("three AdamW steps on one batch: loss %.6f, first %.6f", loss, first)
			}
			if err := tr.Download(); err != nil {
				t.Fatal(err)
			}
			next, _, err := tr.Grads(ids, tg, tc.B, tc.T)
			if err != nil {
				t.Fatal(err)
			}
			cpu := lm.Loss(m, precision.FP32Policy, ids, tg, tc.B, tc.T, false, 1)
			if math.Abs(next-cpu) > 1e-5+1e-4*math.Abs(cpu) {
				t.Errorf("after the steps: GPU loss %.7f, CPU loss of the downloaded weights %.7f", next, cpu)
			}
		})
	}
}

// Under bf16 and fp16 autocast through the generic trainer (fp16 with the
// loss scaler), GPT-NeoX's gradients are as close to the fp32 CPU
// gradients as the CPU emulation's (relative L2, at most twice), and
// AdamW steps lower the loss.
func TestNeoXTrainerHalf(t *testing.T) {
	d := gpu(t)
	tc := neoxCases[0]
	for _, prec := range []string{"bf16", "fp16"} {
		t.Run(prec, func(t *testing.T) {
			pol, err := precision.ParsePolicy(prec)
			if err != nil {
				t.Fatal(err)
			}
			m := newNeoXCase(t, tc, 90)
			ids := nntest.RandIDs(rand.New(rand.NewPCG(5, 29)), tc.B*tc.T, tc.V)
			tg := nn.ShiftLabels(ids, tc.B, tc.T)
			_, _, ref := neoxCPUGrads(m, precision.FP32Policy, ids, tg, tc.B, tc.T)
			_, _, emu := neoxCPUGrads(m, pol, ids, tg, tc.B, tc.T)
			tr, err := NewTrainer(d, m, TrainOptions{Policy: pol, LR: 1e-2})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			first, got, err := tr.Grads(ids, tg, tc.B, tc.T)
			if err != nil {
				t.Fatal(err)
			}
			gGPU, gCPU := relL2(got, ref), relL2(emu, ref)
			t.Logf("grads rel L2 from fp32: gpu %.3g, cpu emulation %.3g", gGPU, gCPU)
			if !(gGPU <= 2*gCPU+1e-4) {
				t.Errorf("%s gradients are %.3g from fp32 (relative L2), the CPU emulation's %.3g", prec, gGPU, gCPU)
			}
			applied, loss := 0, 0.0
			for s := 0; s < 4; s++ {
				var ok bool
				if loss, ok, err = tr.Step(ids, tg, tc.B, tc.T); err != nil {
					t.Fatal(err)
				}
				if ok {
					applied++
				}
			}
			if applied == 0 || !(loss < first) {
				t.Errorf("four steps: %d applied, loss %.6f, first %.6f", applied, loss, first)
			}
		})
	}
}

// Under bf16 and fp16 autocast the GPU's logits are as far from the fp32
// CPU model's as the CPU's own emulation of the policy is (at most 1.5
// times its largest distance: the two round different fp32 accumulations),
// its loss as close to the fp32 loss, and its gradients as close to the
// fp32 gradients (relative L2 over all of them, at most twice the
// emulation's: the GPU's weight gradients accumulate in fp32 without the
// emulation's rounding of each product).
func TestNeoXHalf(t *testing.T) {
	d := gpu(t)
	for _, prec := range []string{"bf16", "fp16"} {
		pol, err := precision.ParsePolicy(prec)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range []neoxCase{neoxCases[0], neoxCases[2]} {
			t.Run(prec+"/"+tc.name, func(t *testing.T) {
				m := newNeoXCase(t, tc, uint64(60+i))
				ids := nntest.RandIDs(rand.New(rand.NewPCG(uint64(i), 19)), tc.B*tc.T, tc.V)
				tg := nn.ShiftLabels(ids, tc.B, tc.T)
				ref, refLoss, refG := neoxCPUGrads(m, precision.FP32Policy, ids, tg, tc.B, tc.T)
				emu, emuLoss, emuG := neoxCPUGrads(m, pol, ids, tg, tc.B, tc.T)
				got, loss, gotG := neoxGPUGrads(t, d, m, pol, ids, tg, tc.B, tc.T)
				eGPU, eCPU := maxAbsDiff(got, ref), maxAbsDiff(emu, ref)
				gGPU, gCPU := relL2(gotG, refG), relL2(emuG, refG)
				t.Logf("|gpu − fp32| %.3g, |cpu emulation − fp32| %.3g; loss fp32 %.6f cpu %.6f gpu %.6f; grads rel L2 gpu %.3g cpu %.3g",
					eGPU, eCPU, refLoss, emuLoss, loss, gGPU, gCPU)
				if !(eGPU <= 1.5*eCPU) {
					t.Errorf("%s logits are %.3g from fp32, the CPU emulation %.3g", prec, eGPU, eCPU)
				}
				if math.Abs(loss-refLoss) > 1.5*math.Abs(emuLoss-refLoss)+1e-4 {
					t.Errorf("%s loss %.6f is further from fp32's %.6f than the CPU emulation's %.6f", prec, loss, refLoss, emuLoss)
				}
				if !(gGPU <= 2*gCPU+1e-4) {
					t.Errorf("%s gradients are %.3g from fp32 (relative L2), the CPU emulation's %.3g", prec, gGPU, gCPU)
				}
			})
		}
	}
}

// pythia160m is the pythia-160m shape with random weights.
func pythia160m(b *testing.B) *transformer.GPTNeoX {
	m, err := transformer.NewGPTNeoXZero(transformer.DefaultGPTNeoXConfig(50304, 768, 12, 12))
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1)
	return m
}

// BenchmarkNeoXForwardBF16 is BenchmarkNeoXForward under bf16 autocast.
func BenchmarkNeoXForwardBF16(b *testing.B) {
	d := gpu(b)
	pol, _ := precision.ParsePolicy("bf16")
	g, err := NewNeoXPolicy(d, pythia160m(b), pol)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Free()
	benchForward(b, g, 50304)
}

// BenchmarkNeoXTrain times training steps (forward, loss, backward,
// AdamW) of the pythia-160m shape on 8 x 512 tokens through NewTrainer,
// and reports the allocator's peak bytes per token (weights, gradients,
// optimizer state, activations): the settings of the table.
func BenchmarkNeoXTrain(b *testing.B) {
	for _, c := range []struct {
		name, prec string
		lora       bool
	}{{"fp32", "fp32", false}, {"bf16", "bf16", false}, {"lora-qkv-bf16", "bf16", true}} {
		b.Run(c.name, func(b *testing.B) {
			d := gpu(b)
			pol, _ := precision.ParsePolicy(c.prec)
			var m lm.Model = pythia160m(b)
			if c.lora {
				ad, err := lora.Apply(m, lora.Config{R: 8, Alpha: 16, TargetModules: []string{"query_key_value"}}, 1)
				if err != nil {
					b.Fatal(err)
				}
				m = &lora.Model{Model: m, Adapters: ad}
			}
			in0, _, _ := d.Alloc.Stats()
			tr, err := NewTrainer(d, m, TrainOptions{Policy: pol, LR: 1e-4})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Free()
			const B, T = 8, 512
			ids := nntest.RandIDs(rand.New(rand.NewPCG(1, 2)), B*T, 50304)
			tg := nn.ShiftLabels(ids, B, T)
			step := func() {
				if _, _, err := tr.Step(ids, tg, B, T); err != nil {
					b.Fatal(err)
				}
			}
			step()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(float64(tr.Peak()-in0)/(B*T), "peak-bytes/token")
		})
	}
}
