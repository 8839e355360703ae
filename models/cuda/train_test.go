package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// trainCase is a small Mamba with shapes that stress the kernels' edges:
// lengths that are no multiple of the scan's chunk, inner widths that are
// no multiple of the backward's channel block, biases on or off.
type trainCase struct {
	name               string
	V, D, L, N, B, T   int
	untied, bias, cnvB bool
}

var trainCases = []trainCase{
	{"tied", 97, 32, 2, 16, 2, 37, false, false, true},
	{"untied-bias", 64, 18, 3, 8, 3, 21, true, true, true},
	{"n4-noconvbias", 50, 24, 1, 4, 1, 70, false, false, false},
	{"n32", 40, 16, 2, 32, 2, 40, false, false, true},
	{"n16-long", 61, 20, 1, 16, 2, 130, true, false, true},
}

// newTrainModel builds the case's model with seed; biases (zero after
// New) and A_log, D get random values so their gradients count.
func newTrainModel(t *testing.T, tc trainCase, seed uint64) *mamba.Model {
	t.Helper()
	c := mamba.DefaultConfig(tc.V, tc.D, tc.L)
	c.N, c.Untied, c.Bias, c.ConvBias = tc.N, tc.untied, tc.bias, tc.cnvB
	m, err := mamba.New(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for _, b := range m.Layers {
		for _, p := range []*nn.Param{b.Mixer.InProj.B, b.Mixer.OutProj.B} {
			if p != nil {
				for j := range p.Value.Data {
					p.Value.Data[j] = float32(r.NormFloat64() * 0.1)
				}
			}
		}
	}
	return m
}

// cpuGrads returns the CPU model's loss and gradients (Params order, nil
// for frozen parameters) under pol.
func cpuGrads(m lm.Model, pol precision.Policy, ids, targets []int, B, T int) (float64, [][]float32) {
	ps := m.Params()
	nn.ZeroGrads(ps)
	loss := lm.Loss(m, pol, ids, targets, B, T, true, 1)
	out := make([][]float32, len(ps))
	for i, p := range ps {
		if p.Grad != nil {
			out[i] = append([]float32(nil), p.Grad.Data...)
		}
	}
	return loss, out
}

// relErr is max|got − want| / max|want| (the absolute error where want is
// all zero).
func relErr(got, want []float32) float64 {
	var big, worst float64
	for i := range want {
		big = math.Max(big, math.Abs(float64(want[i])))
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = math.Max(worst, d)
	}
	if big == 0 {
		return worst
	}
	return worst / big
}

// compareGrads checks every trainable gradient against the CPU's within
// tol relative (relErr), and that frozen ones stay nil on both; it returns
// the worst error and the parameter it is in.
func compareGrads(t *testing.T, ps []*nn.Param, got, want [][]float32, tol float64) (worst float64, at string) {
	t.Helper()
	if len(got) != len(want) || len(want) != len(ps) {
		t.Fatalf("%d GPU gradients, %d CPU ones, %d parameters", len(got), len(want), len(ps))
	}
	for i, p := range ps {
		if (got[i] == nil) != (want[i] == nil) {
			t.Errorf("%s: GPU gradient present %v, CPU %v", p.Name, got[i] != nil, want[i] != nil)
			continue
		}
		if want[i] == nil {
			continue
		}
		if len(got[i]) != len(want[i]) {
			t.Errorf("%s: %d gradient values, want %d", p.Name, len(got[i]), len(want[i]))
			continue
		}
		e := relErr(got[i], want[i])
		if e > worst {
			worst, at = e, p.Name
		}
		if e > tol {
			t.Errorf("%s: gradient differs by %.3g of its largest value (tolerance %g)", p.Name, e, tol)
		}
	}
	return worst, at
}

func lossClose(got, want float64) bool { return math.Abs(got-want) <= 1e-5+1e-4*math.Abs(want) }

// The fp32 GPU gradients of every parameter equal the CPU model's within
// 1e-3 relative and the loss within 1e-5 + 1e-4 of its size, for several
// shapes and two seeds each, with some targets skipped.
func TestMambaTrainGrads(t *testing.T) {
	d := gpu(t)
	for ci, tc := range trainCases {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				m := newTrainModel(t, tc, seed+uint64(10*ci))
				r := rand.New(rand.NewPCG(seed, uint64(ci)))
				ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
				tg := nn.ShiftLabels(ids, tc.B, tc.T)
				tg[1] = nn.IgnoreIndex
				wantLoss, want := cpuGrads(m, precision.FP32Policy, ids, tg, tc.B, tc.T)
				tr, err := NewTrainer(d, m, TrainOptions{Policy: precision.FP32Policy, LR: 1e-3})
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Free()
				loss, got, err := tr.Grads(ids, tg, tc.B, tc.T)
				if err != nil {
					t.Fatal(err)
				}
				if !lossClose(loss, wantLoss) {
					t.Errorf("loss %.7f, CPU %.7f", loss, wantLoss)
				}
				w, _ := compareGrads(t, m.Params(), got, want, 1e-3)
				t.Logf("loss %.6f (CPU %.6f), worst gradient relative error %.2e", loss, wantLoss, w)
			})
		}
	}
}

// LoRA on each of Mamba's linears (and all of them): the adapters' fp32
// gradients equal the CPU's, and the base weights get none.
func TestMambaLoRAGrads(t *testing.T) {
	d := gpu(t)
	tc := trainCases[1] // untied, biased
	for _, targets := range [][]string{{"in_proj"}, {"x_proj"}, {"dt_proj"}, {"out_proj"}, {"in_proj", "x_proj", "dt_proj", "out_proj", "lm_head"}} {
		t.Run(fmt.Sprint(targets), func(t *testing.T) {
			m := newTrainModel(t, tc, 5)
			ad, err := lora.Apply(m, lora.Config{R: 4, Alpha: 8, TargetModules: targets}, 3)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(4, 4))
			for _, p := range ad.Params() { // B starts at zero: make both factors count
				for j := range p.Value.Data {
					p.Value.Data[j] += float32(r.NormFloat64() * 0.05)
				}
			}
			lm := &lora.Model{Model: m, Adapters: ad}
			ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
			tg := nn.ShiftLabels(ids, tc.B, tc.T)
			wantLoss, want := cpuGrads(lm, precision.FP32Policy, ids, tg, tc.B, tc.T)
			tr, err := NewTrainer(d, lm, TrainOptions{Policy: precision.FP32Policy, LR: 1e-3})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			loss, got, err := tr.Grads(ids, tg, tc.B, tc.T)
			if err != nil {
				t.Fatal(err)
			}
			if !lossClose(loss, wantLoss) {
				t.Errorf("loss %.7f, CPU %.7f", loss, wantLoss)
			}
			w, _ := compareGrads(t, lm.Params(), got, want, 1e-3)
			t.Logf("worst adapter gradient relative error %.2e", w)
		})
	}
}

// A few AdamW steps on the GPU leave the weights the CPU's optimizer
// leaves (models/optim, with weight decay and its NoDecay names).
func TestMambaAdamWSteps(t *testing.T) {
	for _, clip := range []float64{0, 0.1} {
		t.Run(fmt.Sprintf("clip%g", clip), func(t *testing.T) { adamWSteps(t, clip) })
	}
}

// adamWSteps compares three steps with the global gradient norm clipped
// to clip (0: not clipped) as the CPU trainer clips it.
func adamWSteps(t *testing.T, clip float64) {
	d := gpu(t)
	tc := trainCases[0]
	cpu, gpuM := newTrainModel(t, tc, 7), newTrainModel(t, tc, 7)
	cfg := optim.AdamWConfig{Eps: 1e-3, WeightDecay: 0.1}
	const lr, steps = 1e-2, 3
	tr, err := NewTrainer(d, gpuM, TrainOptions{Policy: precision.FP32Policy, LR: lr, AdamW: cfg, ClipNorm: clip})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	ps := cpu.Params()
	optim.MarkNoDecay(ps)
	opt := optim.NewAdamW(ps, cfg)
	r := rand.New(rand.NewPCG(8, 8))
	for s := 0; s < steps; s++ {
		ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
		tg := nn.ShiftLabels(ids, tc.B, tc.T)
		nn.ZeroGrads(ps)
		want := lm.Loss(cpu, precision.FP32Policy, ids, tg, tc.B, tc.T, true, 1)
		if norm := optim.ClipGradNorm(opt.Params, clip); clip > 0 && norm <= clip {
			t.Fatalf("gradient norm %g does not reach the clip %g: the test would not clip", norm, clip)
		}
		opt.Update(lr, precision.FP32Policy)
		loss, applied, err := tr.Step(ids, tg, tc.B, tc.T)
		if err != nil {
			t.Fatal(err)
		}
		if !applied || !lossClose(loss, want) {
			t.Errorf("step %d: loss %.7f applied %v, CPU %.7f", s, loss, applied, want)
		}
	}
	if err := tr.Download(); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, p := range gpuM.Params() {
		e := parityErr(p.Value.Data, ps[i].Value.Data)
		worst = math.Max(worst, e)
		if e > 1 {
			t.Errorf("%s after %d steps: %.3g times the tolerance from the CPU's", p.Name, steps, e)
		}
	}
	t.Logf("worst weight error %.3f of the tolerance", worst)
}

// bf16 and fp16 training: the GPU loss and gradients are as far from the
// CPU's fp32 ones as the CPU's own emulation of that policy is (up to a
// factor), and fp16 applies its updates at the default scale.
func TestMambaTrainHalf(t *testing.T) {
	d := gpu(t)
	tc := trainCases[0]
	m := newTrainModel(t, tc, 11)
	r := rand.New(rand.NewPCG(12, 12))
	ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
	tg := nn.ShiftLabels(ids, tc.B, tc.T)
	ref, refG := cpuGrads(m, precision.FP32Policy, ids, tg, tc.B, tc.T)
	for _, pol := range []precision.Policy{precision.BF16AMP, precision.FP16AMP} {
		t.Run(pol.String(), func(t *testing.T) {
			emu, emuG := cpuGrads(m, pol, ids, tg, tc.B, tc.T)
			tr, err := NewTrainer(d, m, TrainOptions{Policy: pol, LR: 1e-3})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Free()
			loss, got, err := tr.Grads(ids, tg, tc.B, tc.T)
			if err != nil {
				t.Fatal(err)
			}
			dEmu, dGPU := math.Abs(emu-ref), math.Abs(loss-ref)
			t.Logf("loss: fp32 %.6f, CPU %s %.6f (|Δ| %.2e), GPU %.6f (|Δ| %.2e)", ref, pol, emu, dEmu, loss, dGPU)
			if dGPU > 4*dEmu+1e-4*math.Abs(ref) {
				t.Errorf("GPU %s loss is %.3g from fp32, the CPU emulation %.3g", pol, dGPU, dEmu)
			}
			var wE, wG float64
			for i := range refG {
				if refG[i] != nil {
					wE, wG = math.Max(wE, relErr(emuG[i], refG[i])), math.Max(wG, relErr(got[i], refG[i]))
				}
			}
			t.Logf("worst gradient relative error from fp32: CPU emulation %.3g, GPU %.3g", wE, wG)
			if wG > 4*wE+1e-3 {
				t.Errorf("GPU %s gradients are %.3g from fp32, the CPU emulation's %.3g", pol, wG, wE)
			}
			_, applied, err := tr.Step(ids, tg, tc.B, tc.T)
			if err != nil || !applied {
				t.Errorf("a %s step: applied %v, %v", pol, applied, err)
			}
		})
	}
}

// fp16: scaled gradients that overflow skip the update (the weights stay)
// and halve the scale, as precision.LossScaler; the next finite step
// applies.
func TestMambaFP16Overflow(t *testing.T) {
	d := gpu(t)
	tc := trainCases[0]
	m := newTrainModel(t, tc, 13)
	before := append([]float32(nil), m.Layers[0].Mixer.InProj.W.Value.Data...)
	tr, err := NewTrainer(d, m, TrainOptions{Policy: precision.FP16AMP, LR: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	sc := Scaler(tr)
	if sc == nil || !sc.Enabled || sc.Scale != 65536 {
		t.Fatalf("fp16 scaler %+v, want enabled at 65536", sc)
	}
	sc.Scale = 1e30 // the scaled loss gradient overflows fp16
	r := rand.New(rand.NewPCG(14, 14))
	ids := nntest.RandIDs(r, tc.B*tc.T, tc.V)
	tg := nn.ShiftLabels(ids, tc.B, tc.T)
	_, applied, err := tr.Step(ids, tg, tc.B, tc.T)
	if err != nil {
		t.Fatal(err)
	}
	if applied || sc.Scale != 5e29 || sc.Skipped != 1 {
		t.Errorf("overflowing step: applied %v, scale %g, skipped %d; want false, 5e29, 1", applied, sc.Scale, sc.Skipped)
	}
	if err := tr.Download(); err != nil {
		t.Fatal(err)
	}
	for i, v := range m.Layers[0].Mixer.InProj.W.Value.Data {
		if v != before[i] {
			t.Fatalf("a skipped step changed in_proj.weight[%d]: %g to %g", i, before[i], v)
		}
	}
	sc.Scale = 1024
	if _, applied, err = tr.Step(ids, tg, tc.B, tc.T); err != nil || !applied {
		t.Fatalf("finite step: applied %v, %v", applied, err)
	}
	if err := tr.Download(); err != nil {
		t.Fatal(err)
	}
	if m.Layers[0].Mixer.InProj.W.Value.Data[0] == before[0] {
		t.Error("an applied step left in_proj.weight unchanged")
	}
	if sc.GoodSteps != 1 {
		t.Errorf("good steps %d after one finite step", sc.GoodSteps)
	}
}

// NewTrainer refuses what the GPU does not train, in one line, before
// touching the device's memory.
func TestNewTrainerRefuses(t *testing.T) {
	d := gpu(t)
	m := newTrainModel(t, trainCases[0], 1)
	if _, err := NewTrainer(d, m, TrainOptions{Policy: precision.Policy{Compute: precision.BF16, PureWeights: true}}); err == nil {
		t.Error("bf16-pure accepted")
	}
	for _, p := range m.Params() {
		p.Freeze()
	}
	if _, err := NewTrainer(d, m, TrainOptions{Policy: precision.FP32Policy}); err == nil {
		t.Error("a model with every parameter frozen accepted")
	}
}

func benchTrain(b *testing.B, pol precision.Policy, targets []string) {
	d := gpu(b)
	c := mamba.DefaultConfig(50280, 768, 24)
	m, err := mamba.New(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	var model lm.Model = m
	if targets != nil {
		ad, err := lora.Apply(m, lora.Config{R: 8, Alpha: 16, TargetModules: targets}, 1)
		if err != nil {
			b.Fatal(err)
		}
		model = &lora.Model{Model: m, Adapters: ad}
	}
	tr, err := NewTrainer(d, model, TrainOptions{Policy: pol, LR: 1e-4})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Free()
	const B, T = 8, 512
	r := rand.New(rand.NewPCG(1, 1))
	ids := nntest.RandIDs(r, B*T, c.Vocab)
	tg := nn.ShiftLabels(ids, B, T)
	if _, _, err := tr.Step(ids, tg, B, T); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := tr.Step(ids, tg, B, T); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(float64(tr.Peak())/float64(B*T), "peak-bytes/token")
}

// mamba-130m shape, batch 8 x 512: training steps.
func BenchmarkMambaTrainFP32(b *testing.B)      { benchTrain(b, precision.FP32Policy, nil) }
func BenchmarkMambaTrainBF16(b *testing.B)      { benchTrain(b, precision.BF16AMP, nil) }
func BenchmarkMambaTrainLoRAXBF16(b *testing.B) { benchTrain(b, precision.BF16AMP, []string{"x_proj"}) }
