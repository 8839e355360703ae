package transformer

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
)

// Infer, InferAt and Prefill return Forward's logits bit for bit, for
// every Transformer variant under every precision policy, with and
// without LoRA adapters (their weights drawn away from zero so they
// change the logits); sequences longer than one attention block of
// queries (qBlock) are included.
func TestInferMatchesForward(t *testing.T) {
	for name, m := range tinyModels(t) {
		for _, adapted := range []bool{false, true} {
			var a *lora.Adapters
			if adapted {
				var err error
				a, err = lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetRegex: "all-linear"}, 5)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(9, 10))
				for _, p := range a.Params() {
					for i := range p.Value.Data {
						p.Value.Data[i] = 0.3 * float32(r.NormFloat64())
					}
				}
			}
			r := rand.New(rand.NewPCG(11, 12))
			V := m.VocabSize()
			for _, pol := range nntest.Policies {
				for _, shape := range [][2]int{{2, 9}, {1, qBlock + 13}} {
					B, T := shape[0], shape[1]
					ids := nntest.RandIDs(r, B*T, V)
					full := append([]float32(nil), m.Forward(pol, ids, B, T)...)
					what := func(call string) string {
						return name + " " + pol.String() + map[bool]string{false: "", true: " lora"}[adapted] + ": " + call
					}
					if i := nntest.FirstBitDiff(m.Infer(pol, ids, B, T), full); i >= 0 {
						t.Fatalf("%s differs from Forward at logit %d", what("Infer"), i)
					}
					pos := r.Perm(B * T)[:B*T/2+1]
					at := m.InferAt(pol, ids, B, T, pos)
					if len(at) != len(pos)*V {
						t.Fatalf("%s: %d logits for %d positions", what("InferAt"), len(at), len(pos))
					}
					for k, p := range pos {
						if i := nntest.FirstBitDiff(at[k*V:(k+1)*V], full[p*V:(p+1)*V]); i >= 0 {
							t.Fatalf("%s: position %d differs from Forward at logit %d", what("InferAt"), p, i)
						}
					}
					last, c := m.Prefill(pol, ids, B, T)
					if c.B != B || c.Len != T || len(last) != B*V {
						t.Fatalf("%s: cache of %d sequences at %d, %d logits", what("Prefill"), c.B, c.Len, len(last))
					}
					for b := 0; b < B; b++ {
						p := b*T + T - 1
						if i := nntest.FirstBitDiff(last[b*V:(b+1)*V], full[p*V:(p+1)*V]); i >= 0 {
							t.Fatalf("%s: sequence %d's last logits differ from Forward at %d", what("Prefill"), b, i)
						}
					}
				}
			}
			if a != nil {
				a.Detach()
			}
		}
	}
}

// A prompt prefilled and continued with Step gives the logits of Forward
// over the whole sequence (to the tolerance of TestKVCacheMatchesForward:
// the continuation's attention products have other shapes).
func TestPrefillThenStep(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(13, 14))
		B, T, n, V := 2, 11, 4, m.VocabSize()
		ids := nntest.RandIDs(r, B*(T+n), V)
		full := append([]float32(nil), m.Forward(fp32, ids, B, T+n)...)
		prompt, more := make([]int, 0, B*T), make([]int, 0, B*n)
		for b := 0; b < B; b++ {
			prompt = append(prompt, ids[b*(T+n):b*(T+n)+T]...)
			more = append(more, ids[b*(T+n)+T:(b+1)*(T+n)]...)
		}
		_, c := m.Prefill(fp32, prompt, B, T)
		got := m.Step(fp32, c, more)
		for b := 0; b < B; b++ {
			for i := 0; i < n; i++ {
				p := b*(T+n) + T + i
				if e := maxDiff(got[(b*n+i)*V:(b*n+i+1)*V], full[p*V:(p+1)*V]); e > 1e-5 {
					t.Fatalf("%s: continued position %d of sequence %d differs by %.3g", name, T+i, b, e)
				}
			}
		}
		if c.Len != T+n {
			t.Fatalf("%s: cache length %d, want %d", name, c.Len, T+n)
		}
	}
}

// At a size where the products run the blocked GEMM (and the head takes
// few rows: 1 to 40 of 422), the logits of InferAt and Prefill are still
// Forward's bit for bit: each row of a product sums in an order that does
// not depend on how many rows it has.
func TestInferAtLargeMatchesForward(t *testing.T) {
	m, err := NewGPTNeoXZero(DefaultGPTNeoXConfig(5003, 256, 2, 4))
	if err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	r := rand.New(rand.NewPCG(1, 2))
	B, T, V := 2, 211, 5003
	ids := nntest.RandIDs(r, B*T, V)
	full := append([]float32(nil), m.Forward(fp32, ids, B, T)...)
	if i := nntest.FirstBitDiff(m.Infer(fp32, ids, B, T), full); i >= 0 {
		t.Fatalf("Infer differs from Forward at logit %d", i)
	}
	for _, n := range []int{1, 3, 7, 13, 40} {
		pos := r.Perm(B * T)[:n]
		at := m.InferAt(fp32, ids, B, T, pos)
		for k, p := range pos {
			if i := nntest.FirstBitDiff(at[k*V:(k+1)*V], full[p*V:(p+1)*V]); i >= 0 {
				t.Fatalf("InferAt of %d positions: position %d differs from Forward at logit %d", n, p, i)
			}
		}
	}
	last, _ := m.Prefill(fp32, ids, B, T)
	for b := 0; b < B; b++ {
		p := b*T + T - 1
		if i := nntest.FirstBitDiff(last[b*V:(b+1)*V], full[p*V:(p+1)*V]); i >= 0 {
			t.Fatalf("Prefill: sequence %d's last logits differ from Forward at %d", b, i)
		}
	}
}
