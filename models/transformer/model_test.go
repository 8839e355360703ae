package transformer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

var fp32 = precision.FP32Policy

// decoder is what both models offer beyond lm.Model.
type decoder interface {
	lm.Model
	NewCache(B int) *Cache
	Step(pol precision.Policy, c *Cache, ids []int) []float32
	Infer(pol precision.Policy, ids []int, B, T int) []float32
	InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32
	Prefill(pol precision.Policy, ids []int, B, T int) ([]float32, *Cache)
}

// tinyModels covers the variants: parallel and sequential residual, partial
// rotary, no attention bias, tied heads, GQA, head_dim ≠ D/heads, biases on
// every Llama linear, a pad token. Weights are drawn large (and norms and
// biases perturbed) so every gradient is far from zero.
func tinyModels(t testing.TB) map[string]decoder {
	t.Helper()
	out := map[string]decoder{}
	nc := DefaultGPTNeoXConfig(11, 16, 2, 2)
	nc.I, nc.RotaryPct, nc.InitRange = 24, 0.5, 0.3
	seq := nc
	seq.ParallelResidual, seq.Bias, seq.Tied, seq.RotaryPct = false, false, true, 0.25
	for name, c := range map[string]GPTNeoXConfig{"neox": nc, "neox-seq-tied": seq} {
		m, err := NewGPTNeoXZero(c)
		if err != nil {
			t.Fatal(err)
		}
		m.Init(1)
		out[name] = m
	}
	lc := DefaultLlamaConfig(11, 16, 2, 4)
	lc.KVHeads, lc.I, lc.AttnBias, lc.MLPBias, lc.Tied, lc.InitRange = 2, 20, true, true, true, 0.3
	mha := DefaultLlamaConfig(11, 16, 2, 2)
	mha.HeadDim, mha.I, mha.PadID, mha.InitRange = 6, 20, 3, 0.3
	// OLMo: parameter-free LayerNorm; clip_qkv 0.8 clamps a good share of
	// q, k, v at this init, so the clamp's forward and backward are exercised.
	olmo := DefaultOLMoConfig(11, 16, 2, 4)
	olmo.KVHeads, olmo.I, olmo.ClipQKV, olmo.InitRange = 2, 20, 0.8, 0.3
	olmoTied := DefaultOLMoConfig(11, 16, 2, 2)
	olmoTied.I, olmoTied.Tied, olmoTied.InitRange = 20, true, 0.3
	for name, c := range map[string]LlamaConfig{"llama-gqa-bias-tied": lc, "llama-hd6-pad": mha,
		"olmo-gqa-clip": olmo, "olmo-tied": olmoTied} {
		m, err := NewLlamaZero(c)
		if err != nil {
			t.Fatal(err)
		}
		m.Init(2)
		out[name] = m
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, m := range out {
		for _, p := range m.Params() {
			if p.NoDecay && len(p.Value.Shape) == 1 { // norms and biases
				for i := range p.Value.Data {
					p.Value.Data[i] += 0.3 * float32(r.NormFloat64())
				}
			}
		}
	}
	return out
}

func lossOf(m lm.Model, pol precision.Policy, ids []int, B, T int) float64 {
	return lm.Loss(m, pol, ids, nn.ShiftLabels(ids, B, T), B, T, false, 1)
}

// Every parameter gradient of the whole model agrees with central finite
// differences of the loss.
func TestModelGradients(t *testing.T) {
	for name, m := range tinyModels(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			B, T := 2, 5
			ids := nntest.RandIDs(r, B*T, m.VocabSize())
			ids[1] = 3 // the pad token of llama-hd6-pad
			nn.ZeroGrads(m.Params())
			lm.Loss(m, fp32, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
			var vars []nntest.Var
			for _, p := range m.Params() {
				vars = append(vars, nntest.V(p.Name, p.Value.Data, p.G()))
			}
			step := 1e-2
			if strings.Contains(name, "clip") {
				step = 1e-3 // a smaller step stays clear of the clamp's kinks
			}
			err := nntest.Check(func() float64 { return lossOf(m, fp32, ids, B, T) }, vars,
				nntest.Options{MaxElems: 10, Step: step, Tol: 1e-2})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Decoding with the KV cache, one token at a time or in chunks, gives the
// logits of the full forward at every position, under every policy (the
// same operations on the same operands; only product blocking may differ);
// growing the cache keeps its contents.
func TestKVCacheMatchesForward(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(7, 8))
		B, T, V := 2, 21, m.VocabSize()
		ids := nntest.RandIDs(r, B*T, V)
		for _, pol := range []precision.Policy{fp32, precision.BF16AMP, precision.FP16AMP} {
			full := m.Forward(pol, ids, B, T)
			tol := 1e-5
			if pol.Half() {
				tol = 4 * float64(pol.Compute.Eps()) * maxAbs(full)
			}
			for _, chunks := range [][]int{{1}, {3, 1, 5}} {
				c := m.NewCache(B)
				for pos, k := 0, 0; pos < T; k++ {
					n := min(chunks[k%len(chunks)], T-pos)
					step := make([]int, 0, B*n)
					for b := 0; b < B; b++ {
						step = append(step, ids[b*T+pos:b*T+pos+n]...)
					}
					got := m.Step(pol, c, step)
					for b := 0; b < B; b++ {
						for i := 0; i < n; i++ {
							want := full[(b*T+pos+i)*V : (b*T+pos+i+1)*V]
							if e := maxDiff(got[(b*n+i)*V:(b*n+i+1)*V], want); e > tol {
								t.Fatalf("%s %s chunks %v: position %d of row %d differs by %.3g", name, pol, chunks, pos+i, b, e)
							}
						}
					}
					pos += n
				}
				if c.Len != T {
					t.Fatalf("%s: cache length %d, want %d", name, c.Len, T)
				}
			}
		}
	}
}

// Changing a later token leaves every earlier logit unchanged.
func TestCausal(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(9, 10))
		B, T, V := 1, 7, m.VocabSize()
		ids := nntest.RandIDs(r, B*T, V)
		a := append([]float32(nil), m.Forward(fp32, ids, B, T)...)
		ids[5] = (ids[5] + 1) % V
		b := m.Forward(fp32, ids, B, T)
		if maxDiff(a[:5*V], b[:5*V]) != 0 || maxDiff(a[5*V:], b[5*V:]) == 0 {
			t.Fatalf("%s: not causal", name)
		}
	}
}

// Every policy runs forward and backward with finite results; 16-bit
// logits lie on the 16-bit grid and stay near fp32.
func TestPolicies(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(11, 12))
		B, T := 2, 6
		ids := nntest.RandIDs(r, B*T, m.VocabSize())
		ref := append([]float32(nil), m.Forward(fp32, ids, B, T)...)
		for _, s := range []string{"fp32", "fp16", "bf16", "fp16-pure", "bf16-pure"} {
			pol, _ := precision.ParsePolicy(s)
			nn.ZeroGrads(m.Params())
			loss := lm.Loss(m, pol, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
			got := m.Forward(pol, ids, B, T)
			for _, p := range m.Params() {
				if !precision.AllFinite(p.G()) {
					t.Fatalf("%s %s: gradient of %s not finite", name, s, p.Name)
				}
			}
			if math.IsNaN(loss) || maxDiff(got, ref) > 40*float64(pol.Compute.Eps())*maxAbs(ref) {
				t.Fatalf("%s %s: loss %v, logits off fp32 by %.3g", name, s, loss, maxDiff(got, ref))
			}
			for _, v := range got {
				if pol.Compute.Round(v) != v {
					t.Fatalf("%s %s: logit %v off the grid", name, s, v)
				}
			}
		}
	}
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

func ExampleNewLlamaZero() {
	cfg := DefaultLlamaConfig(32, 16, 2, 4)
	cfg.KVHeads = 2
	m, _ := NewLlamaZero(cfg)
	m.Init(0)
	total, _ := nn.Count(m.Params())
	logits := m.Forward(precision.BF16AMP, []int{1, 2, 3, 4}, 1, 4)
	fmt.Println(total, len(logits))
	// Output: 7248 128
}

// Decoding or inference between a Forward and its Backward leaves the
// gradients alone.
func TestStepBetweenForwardAndBackward(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(15, 16))
		B, T := 2, 5
		ids := nntest.RandIDs(r, B*T, m.VocabSize())
		grads := func(decode bool) []float32 {
			nn.ZeroGrads(m.Params())
			logits := m.Forward(fp32, ids, B, T)
			if decode {
				c := m.NewCache(3)
				m.Step(fp32, c, nntest.RandIDs(r, 3*4, m.VocabSize()))
				m.Step(fp32, c, nntest.RandIDs(r, 3, m.VocabSize()))
				m.Infer(fp32, nntest.RandIDs(r, 2*7, m.VocabSize()), 2, 7)
				m.InferAt(fp32, nntest.RandIDs(r, 3, m.VocabSize()), 1, 3, []int{2, 0})
				m.Prefill(fp32, nntest.RandIDs(r, 4, m.VocabSize()), 1, 4)
			}
			d := make([]float32, len(logits))
			nn.CrossEntropy(d, logits, nn.ShiftLabels(ids, B, T), B*T, m.VocabSize(), 1)
			m.Backward(fp32, d)
			var g []float32
			for _, p := range m.Params() {
				g = append(g, p.G()...)
			}
			return g
		}
		if maxDiff(grads(false), grads(true)) != 0 {
			t.Fatalf("%s: Step or Infer changed the gradients of the preceding Forward", name)
		}
	}
}

// ForwardEmbedded on the looked-up embeddings gives Forward's logits
// bit for bit under every policy, and the Backward that follows gives every
// gradient but the embedding table's (which it leaves alone).
func TestForwardEmbeddedMatchesForward(t *testing.T) {
	type embeddedForward interface {
		ForwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32
	}
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(17, 18))
		B, T := 2, 7
		ids := nntest.RandIDs(r, B*T, m.VocabSize())
		emb := m.Params()[0] // the embedding table comes first
		D := len(emb.Value.Data) / m.VocabSize()
		x := make([]float32, B*T*D)
		for i, id := range ids {
			copy(x[i*D:(i+1)*D], emb.Value.Data[id*D:(id+1)*D])
		}
		for _, pol := range []precision.Policy{fp32, precision.BF16AMP} {
			want := m.Forward(pol, ids, B, T)
			if got := m.(embeddedForward).ForwardEmbedded(pol, x, B, T); maxDiff(got, want) != 0 {
				t.Fatalf("%s %s: ForwardEmbedded differs from Forward by %.3g", name, pol, maxDiff(got, want))
			}
		}
		grads := func(embedded bool) (g, gEmb []float32) {
			nn.ZeroGrads(m.Params())
			var logits []float32
			if embedded {
				logits = m.(embeddedForward).ForwardEmbedded(fp32, x, B, T)
			} else {
				logits = m.Forward(fp32, ids, B, T)
			}
			d := make([]float32, len(logits))
			nn.CrossEntropy(d, logits, nn.ShiftLabels(ids, B, T), B*T, m.VocabSize(), 1)
			m.Backward(fp32, d)
			for _, p := range m.Params()[1:] {
				g = append(g, p.G()...)
			}
			return g, append([]float32(nil), emb.G()...)
		}
		g0, e0 := grads(false)
		g1, e1 := grads(true)
		if maxDiff(g0, g1) > 1e-6*maxAbs(g0) {
			t.Fatalf("%s: gradients after ForwardEmbedded differ by %.3g", name, maxDiff(g0, g1))
		}
		if maxAbs(e0) == 0 {
			t.Fatalf("%s: Forward gave the embedding no gradient", name)
		}
		if tied := maxAbs(e1) != 0; tied != strings.Contains(name, "tied") {
			t.Fatalf("%s: embedding gradient after ForwardEmbedded %.3g (only a tied head may give one)", name, maxAbs(e1))
		}
	}
}

// TestTransposeHead checks the blocked transpose against its definition,
// dst[d·Tk+t] = src[t·HD+d], for lengths with and without a tail of rows,
// reading only the first Tk rows of a longer source.
func TestTransposeHead(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {7, 3}, {8, 32}, {19, 5}, {256, 32}, {130, 64}} {
		Tk, HD := sz[0], sz[1]
		src := make([]float32, (Tk+3)*HD)
		for i := range src {
			src[i] = float32(i) + 0.5
		}
		dst := make([]float32, Tk*HD+5)
		got := transposeHead(dst, src, Tk, HD)
		if len(got) != Tk*HD {
			t.Fatalf("Tk %d HD %d: len %d, want %d", Tk, HD, len(got), Tk*HD)
		}
		for tt := 0; tt < Tk; tt++ {
			for d := 0; d < HD; d++ {
				if got[d*Tk+tt] != src[tt*HD+d] {
					t.Fatalf("Tk %d HD %d: dst[%d,%d] = %v, want %v", Tk, HD, d, tt, got[d*Tk+tt], src[tt*HD+d])
				}
			}
		}
	}
}
