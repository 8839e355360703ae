package score

import (
	"github.com/ssmlab/ssmlab/models/lora"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/hybrid"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/rnn"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

func models(t *testing.T) map[string]lm.Model {
	out := map[string]lm.Model{}
	mc := mamba.DefaultConfig(13, 8, 2)
	mc.N, mc.K, mc.DtRank = 4, 4, 2
	m1, err := mamba.New(mc, 1)
	if err != nil {
		t.Fatal(err)
	}
	out["mamba"] = m1
	c2 := mamba2.DefaultConfig(13, 8, 2)
	c2.HeadDim, c2.Groups, c2.N, c2.K, c2.ChunkSize = 4, 2, 3, 3, 4
	m2, err := mamba2.NewZero(c2)
	if err != nil {
		t.Fatal(err)
	}
	m2.Init(2)
	out["mamba2"] = m2
	nc := transformer.DefaultGPTNeoXConfig(13, 16, 2, 2)
	nc.I, nc.InitRange = 24, 0.3
	neox, err := transformer.NewGPTNeoXZero(nc)
	if err != nil {
		t.Fatal(err)
	}
	neox.Init(3)
	out["gpt_neox"] = neox
	lc := transformer.DefaultLlamaConfig(13, 16, 2, 4)
	lc.KVHeads, lc.I, lc.InitRange = 2, 20, 0.3
	llama, err := transformer.NewLlamaZero(lc)
	if err != nil {
		t.Fatal(err)
	}
	llama.Init(4)
	out["llama"] = llama
	oc := transformer.DefaultOLMoConfig(13, 16, 2, 4)
	oc.KVHeads, oc.I, oc.ClipQKV, oc.InitRange = 2, 20, 0.8, 0.3
	olmo, err := transformer.NewLlamaZero(oc)
	if err != nil {
		t.Fatal(err)
	}
	olmo.Init(5)
	out["olmo"] = olmo
	// LoRA-adapted models (adapters with non-zero B, so they change the
	// logits): Score unwraps lora.Model to reach the base model's passes
	for i, name := range []string{"mamba", "gpt_neox"} {
		var base lm.Model
		if name == "mamba" {
			base, err = mamba.New(mc, 11)
		} else {
			var g *transformer.GPTNeoX
			g, err = transformer.NewGPTNeoXZero(nc)
			if err == nil {
				g.Init(12)
				base = g
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		ad, err := lora.Apply(base, lora.Config{R: 2, Alpha: 4, TargetRegex: "all-linear"}, uint64(20+i))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(30+i), 1))
		for _, p := range ad.Params() {
			for j := range p.Value.Data {
				p.Value.Data[j] = float32(r.NormFloat64() * 0.2)
			}
		}
		out[name+"+lora"] = &lora.Model{Model: base, Adapters: ad}
	}
	hc := hybrid.DefaultConfig(13, 8, 3, hybrid.Mamba, hybrid.Attention, hybrid.Mamba2)
	hc.Mamba.N, hc.Mamba2.N, hc.Mamba2.HeadDim, hc.Heads, hc.KVHeads = 4, 4, 8, 2, 1
	hy, err := hybrid.New(hc, 6) // whole requests only (InferAt)
	if err != nil {
		t.Fatal(err)
	}
	out["hybrid"] = hy
	rc := rnn.DefaultConfig(13, 8)
	rc.InitRange = 0.3
	rn, err := rnn.New(rc, 7) // whole requests only (Infer)
	if err != nil {
		t.Fatal(err)
	}
	out["rnn"] = rn
	for _, m := range out { // logits of order 1, so argmaxes and lls differ
		r := rand.New(rand.NewPCG(9, 9))
		for _, p := range m.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] += float32(0.2 * r.NormFloat64())
			}
		}
	}
	return out
}

// requests: documents of 1 to 5 choices of 1 to 6 tokens after contexts of
// 1 to 70 tokens (past the scan's 64-step chunk), and a context longer
// than maxLen, which is left-truncated.
func requests(r *rand.Rand, V int) []Pair {
	ids := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = r.IntN(V)
		}
		return out
	}
	var out []Pair
	for d, n := range []int{1, 3, 70, 9, 2, 25} {
		ctx := ids(n)
		for c := 0; c < 1+d%5; c++ {
			out = append(out, Pair{ctx, ids(1 + r.IntN(6))})
		}
	}
	long := ids(90)
	return append(out, Pair{long, ids(3)}, Pair{long, ids(2)})
}

// reference is the plain computation: each pair alone, one forward pass
// over lm-eval's window, log-softmax in float64.
func reference(m lm.Model, pol precision.Policy, p Pair, maxLen int) Result {
	in, start := window(p, maxLen)
	logits := m.Forward(pol, in, 1, len(in))
	V := m.VocabSize()
	r := Result{Greedy: true}
	for k, tok := range p.Cont {
		row := logits[(start+k)*V : (start+k+1)*V]
		r.LL += float64(row[tok]) - tensor.LogSumExp(row)
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best != tok {
			r.Greedy = false
		}
	}
	return r
}

func TestSharedEqualsFull(t *testing.T) {
	for name, m := range models(t) {
		pairs := requests(rand.New(rand.NewPCG(5, 6)), m.VocabSize())
		const maxLen = 80
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
			tol := 1e-5
			if pol.Half() {
				tol = 1e-2 // 16-bit roundings may land differently between batch shapes
			}
			for _, o := range []Options{{pol, maxLen, 1, false}, {pol, maxLen, 4, false}, {pol, maxLen, 3, true}, {pol, maxLen, 64, true}} {
				got, err := Score(m, o, pairs)
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range pairs {
					want := reference(m, pol, p, maxLen)
					if math.Abs(got[i].LL-want.LL) > tol*(1+math.Abs(want.LL)) || (!pol.Half() && got[i].Greedy != want.Greedy) {
						t.Fatalf("%s %v batch %d share %v: pair %d: %+v, full sequence %+v", name, pol, o.Batch, o.Share, i, got[i], want)
					}
				}
			}
		}
	}
}

// A LoRA-adapted model takes its base model's fast paths (TestSharedEqualsFull
// checks their results).
func TestLoRAUsesBasePasses(t *testing.T) {
	for name, m := range models(t) {
		if _, ok := m.(*lora.Model); !ok {
			continue
		}
		b := unwrap(m)
		if _, ok := b.(rowInferer); !ok {
			t.Errorf("%s: base model has no InferAt", name)
		}
		if sharerFor(b) == nil {
			t.Errorf("%s: no shared-context scorer", name)
		}
	}
}

func TestScoreErrors(t *testing.T) {
	m := models(t)["mamba"]
	for _, pairs := range [][]Pair{{{Ctx: []int{1}, Cont: nil}}, {{Ctx: []int{1}, Cont: []int{99}}}, {{Ctx: []int{1}, Cont: make([]int, 9)}}} {
		if _, err := Score(m, Options{Policy: precision.FP32Policy, MaxLen: 8}, pairs); err == nil {
			t.Errorf("%v: no error", pairs)
		}
	}
}
