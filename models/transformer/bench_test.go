package transformer

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// BenchmarkAttend times the attention core (forward and backward) at a
// Pythia-160m head shape and at ssmlab bench's small size (4 heads of 32),
// reporting GFLOP/s of the five products (q·kᵀ again in backward; causal
// masking is not subtracted).
func BenchmarkAttend(b *testing.B) {
	for _, sz := range []struct {
		name string
		sh   attnShape
	}{
		{"pythia160m", attnShape{B: 4, NH: 12, NKV: 12, HD: 64, Tq: 256, Tk: 256, S: 256}},
		{"small", attnShape{B: 8, NH: 4, NKV: 4, HD: 32, Tq: 256, Tk: 256, S: 256}},
	} {
		sh := sz.sh
		r := rand.New(rand.NewPCG(1, 2))
		q, k, v := nntest.Rand(r, sh.B*sh.NH*sh.Tq*sh.HD, 1), nntest.Rand(r, sh.B*sh.NKV*sh.S*sh.HD, 1), nntest.Rand(r, sh.B*sh.NKV*sh.S*sh.HD, 1)
		out := make([]float32, len(q))
		dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
			b.Run(sz.name+"/"+pol.String(), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					attend(pol, out, q, k, v, sh, 0.125)
					attendBackward(pol, dq, dk, dv, out, q, k, v, sh, 0.125)
				}
				flops := 5.0 * 2 * float64(sh.B*sh.NH*sh.Tq*sh.Tk*sh.HD)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkTrainStep times forward and backward of small GPT-NeoX and Llama
// models (D 128, 2 layers, B 4, T 128), reporting tokens/s.
func BenchmarkTrainStep(b *testing.B) {
	nc := DefaultGPTNeoXConfig(512, 128, 2, 4)
	neox, _ := NewGPTNeoXZero(nc)
	neox.Init(1)
	lc := DefaultLlamaConfig(512, 128, 2, 4)
	lc.KVHeads = 2
	llama, _ := NewLlamaZero(lc)
	llama.Init(1)
	B, T := 4, 128
	ids := nntest.RandIDs(rand.New(rand.NewPCG(3, 4)), B*T, 512)
	for name, m := range map[string]lm.Model{"gpt_neox": neox, "llama": llama} {
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
			b.Run(name+"/"+pol.String(), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					nn.ZeroGrads(m.Params())
					lm.Loss(m, pol, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
				}
				b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
		}
	}
}

// BenchmarkInfer compares Forward (which keeps the training tape) with
// Infer at pythia-160m's width and vocabulary (12 heads, D 768, B 1 x 512;
// INFER_BENCH_LAYERS layers, default 2, 12 for the real depth), reporting
// tokens/s; the two run the same kernels, so they should match:
//
//	go test ./models/transformer -run '^$' -bench Infer -cpu 2 -count 3
func BenchmarkInfer(b *testing.B) {
	layers := 2
	if s := os.Getenv("INFER_BENCH_LAYERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("INFER_BENCH_LAYERS=%q: want a positive integer", s)
		}
		layers = n
	}
	m, err := NewGPTNeoXZero(DefaultGPTNeoXConfig(50304, 768, layers, 12))
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1)
	B, T := 1, 512
	ids := nntest.RandIDs(rand.New(rand.NewPCG(3, 4)), B*T, 50304)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"forward", func() { m.Forward(precision.FP32Policy, ids, B, T) }},
		{"infer", func() { m.Infer(precision.FP32Policy, ids, B, T) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.run() // buffers allocated outside the timing
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.run()
			}
			b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkInferParts times each phase of a pythia-160m inference (D 768,
// 12 heads, MLP 3072, vocab 50304, B 1 x 512, fp32) on its own, one layer's
// phases and then the head, to see which of them scale with the threads
// and which do not:
//
//	go test ./models/transformer -run '^$' -bench InferParts -cpu 1,16
//
// Each phase reports ms/op; "layer" is a whole layer and "model" the whole
// 12-layer Infer, to compare their sum with.
func BenchmarkInferParts(b *testing.B) {
	cfg := DefaultGPTNeoXConfig(50304, 768, 12, 12)
	m, err := NewGPTNeoXZero(cfg)
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1)
	pol := precision.FP32Policy
	B, T := 1, 512
	n, D := B*T, cfg.D
	ids := nntest.RandIDs(rand.New(rand.NewPCG(3, 4)), n, cfg.Vocab)
	m.Infer(pol, ids, B, T) // buffers
	l, a := m.Layers[0], &m.infActs
	x := nntest.Rand(rand.New(rand.NewPCG(5, 6)), n*D, 1)
	y := make([]float32, n*D)
	kv := l.ownKV(a, B, T)
	l.forward(pol, a, y, x, B, T, kv)
	c := l.core
	lq, lk, lv := l.qkvLayouts()
	sh := attnShape{B: B, NH: c.nH, NKV: c.nKV, HD: c.hd, Tq: T, Tk: T, S: T}
	logits := make([]float32, n*cfg.Vocab)
	for _, p := range []struct {
		name string
		run  func()
	}{
		{"ln", func() { l.LN1.Forward(a.ln1, a.m1, a.r1, x, n) }},
		{"qkv", func() { l.QKV.Forward(pol, a.qkv, a.ln1, n) }},
		{"heads", func() {
			toHeads(a.att.q, a.qkv, lq, B, T, c.nH, c.hd, T, 0)
			toHeads(kv.k, a.qkv, lk, B, T, c.nKV, c.hd, kv.S, kv.off)
			toHeads(kv.v, a.qkv, lv, B, T, c.nKV, c.hd, kv.S, kv.off)
		}},
		{"rotary", func() {
			c.rotate(pol, a.att.q, T, 0, B*c.nH, T, 0, false)
			c.rotate(pol, kv.k, kv.S, 0, B*c.nKV, T, 0, false)
		}},
		{"attend", func() { attend(pol, a.att.out, a.att.q, kv.k, kv.v, sh, c.scale) }},
		{"dense", func() { l.Dense.Forward(pol, a.ao, a.att.out, n) }},
		{"up", func() { l.MLP.Up.Forward(pol, a.mlp.h, a.ln2, n) }},
		{"gelu", func() { nn.GELU(a.mlp.g, a.mlp.h) }},
		{"down", func() { l.MLP.Down.Forward(pol, a.mo, a.mlp.g, n) }},
		{"residual", func() {
			tensor.Add(y, a.mo, a.ao)
			tensor.AddTo(y, x)
		}},
		{"layer", func() { l.forward(pol, a, y, x, B, T, kv) }},
		{"head", func() { m.Head.Forward(pol, logits, a.ln1, n) }},
		{"model", func() { m.Infer(pol, ids, B, T) }},
	} {
		b.Run(p.name, func(b *testing.B) {
			p.run()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.run()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
		})
	}
}
