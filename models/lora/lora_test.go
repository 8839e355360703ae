package lora

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

var fp32 = precision.FP32Policy

func adaptedLinear(r *rand.Rand, in, out, rank int, bias bool) (*nn.Linear, *Linear) {
	l := nn.NewLinear("blk.proj", in, out, bias)
	copy(l.W.Value.Data, nntest.Rand(r, in*out, 0.5))
	ad := &Linear{Base: l, R: rank, Scale: 2,
		A: nn.NewParam("a", false, rank, in), B: nn.NewParam("b", false, out, rank)}
	copy(ad.A.Value.Data, nntest.Rand(r, rank*in, 0.5))
	copy(ad.B.Value.Data, nntest.Rand(r, out*rank, 0.5))
	l.Adapter = ad
	return l, ad
}

// The adapter's Backward (dx, dA, dB; frozen or trainable base) equals
// central differences of W x + scale·B·A·x.
func TestLinearAdapterGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, frozen := range []bool{false, true} {
		n, in, out := 5, 7, 6
		l, ad := adaptedLinear(r, in, out, 3, true)
		if frozen {
			l.W.Freeze()
		}
		x, rr := nntest.Rand(r, n*in, 1), nntest.Rand(r, n*out, 1)
		y, dx := make([]float32, n*out), make([]float32, n*in)
		loss := func() float64 { l.Forward(fp32, y, x, n); return nntest.Dot(y, rr) }
		loss()
		nn.ZeroGrads(append(l.Params(), ad.A, ad.B))
		l.Backward(fp32, dx, rr, x, n)
		vars := []nntest.Var{nntest.V("x", x, dx), nntest.V("A", ad.A.Value.Data, ad.A.G()), nntest.V("B", ad.B.Value.Data, ad.B.G())}
		if !frozen {
			vars = append(vars, nntest.V("W", l.W.Value.Data, l.W.G()))
		}
		if err := nntest.Check(loss, vars, nntest.Options{}); err != nil {
			t.Fatalf("frozen=%v: %v", frozen, err)
		}
	}
}

func TestEmbeddingAdapterGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	V, D, rank := 9, 5, 2
	e := nn.NewEmbedding("emb", V, D)
	copy(e.W.Value.Data, nntest.Rand(r, V*D, 1))
	ad := &Embedding{Base: e, R: rank, Scale: 1.5, A: nn.NewParam("a", false, rank, V), B: nn.NewParam("b", false, D, rank)}
	copy(ad.A.Value.Data, nntest.Rand(r, rank*V, 1))
	copy(ad.B.Value.Data, nntest.Rand(r, D*rank, 1))
	e.Adapter = ad
	ids := []int{3, 1, 3, 8, 0}
	out, rr := make([]float32, len(ids)*D), nntest.Rand(r, len(ids)*D, 1)
	loss := func() float64 { e.Forward(out, ids); return nntest.Dot(out, rr) }
	loss()
	nn.ZeroGrads([]*nn.Param{e.W, ad.A, ad.B})
	e.Backward(rr, ids)
	err := nntest.Check(loss, []nntest.Var{nntest.V("W", e.W.Value.Data, e.W.G()),
		nntest.V("A", ad.A.Value.Data, ad.A.G()), nntest.V("B", ad.B.Value.Data, ad.B.G())}, nntest.Options{MaxElems: 50})
	if err != nil {
		t.Fatal(err)
	}
}

// Merging gives the unmerged outputs; unmerging restores the weights to
// within float32 rounding of the update.
func TestMergeUnmerge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	l, ad := adaptedLinear(r, 8, 4, 2, false)
	V, D := 6, 4
	e := nn.NewEmbedding("emb", V, D)
	copy(e.W.Value.Data, nntest.Rand(r, V*D, 1))
	ed := &Embedding{Base: e, R: 2, Scale: 0.5, A: nn.NewParam("ea", false, 2, V), B: nn.NewParam("eb", false, D, 2)}
	copy(ed.A.Value.Data, nntest.Rand(r, 2*V, 1))
	copy(ed.B.Value.Data, nntest.Rand(r, D*2, 1))
	e.Adapter = ed
	a := &Adapters{Linears: map[string]*Linear{"l": ad}, Embeddings: map[string]*Embedding{"e": ed}, names: []string{"e", "l"}}
	x, ids := nntest.Rand(r, 3*8, 1), []int{0, 5, 2}
	y0, y1 := make([]float32, 3*4), make([]float32, 3*4)
	o0, o1 := make([]float32, 3*D), make([]float32, 3*D)
	l.Forward(fp32, y0, x, 3)
	e.Forward(o0, ids)
	w0, ew0 := append([]float32(nil), l.W.Value.Data...), append([]float32(nil), e.W.Value.Data...)
	a.Merge()
	a.Merge() // idempotent
	l.Forward(fp32, y1, x, 3)
	e.Forward(o1, ids)
	near := func(name string, got, want []float32, tol float64) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s[%d]: %v vs %v", name, i, got[i], want[i])
			}
		}
	}
	near("merged linear", y1, y0, 1e-5)
	near("merged embedding", o1, o0, 1e-6)
	a.Unmerge()
	near("unmerged W", l.W.Value.Data, w0, 2e-7)
	near("unmerged embedding", e.W.Value.Data, ew0, 2e-7)
	l.Forward(fp32, y1, x, 3)
	near("unmerged linear", y1, y0, 1e-5)
}

// Under 16-bit policies the adapter's output and gradients are on the grid.
func TestAdapterHalfPolicies(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP} {
		l, ad := adaptedLinear(r, 6, 5, 2, false)
		l.W.Freeze()
		x := nntest.Rand(r, 4*6, 1)
		y, y32 := make([]float32, 4*5), make([]float32, 4*5)
		l.Forward(pol, y, x, 4)
		l.Forward(fp32, y32, x, 4)
		for i, v := range y {
			if pol.Compute.Round(v) != v || math.Abs(float64(v-y32[i])) > 8*float64(pol.Compute.Eps())*(1+math.Abs(float64(y32[i]))) {
				t.Fatalf("%v: y %v (fp32 %v)", pol, v, y32[i])
			}
		}
		nn.ZeroGrads([]*nn.Param{ad.A, ad.B})
		l.Backward(pol, make([]float32, 4*6), y, x, 4)
		for _, g := range append(ad.A.G(), ad.B.G()...) {
			if pol.Compute.Round(g) != g {
				t.Fatalf("%v: one step's adapter gradient %v off the grid", pol, g)
			}
		}
	}
}

// No adapter_config.json makes ParseConfig panic; what it accepts has a
// positive rank and targets.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["x_proj"], "bias": "none"}`))
	f.Add([]byte(`{"peft_type": "LORA", "r": 4, "target_modules": "all-linear", "use_dora": false, "loftq_config": {}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("adapter_config.json", data)
		if err != nil {
			return
		}
		if c.R <= 0 || (c.TargetRegex == "" && c.TargetModules == nil) {
			t.Fatalf("accepted %+v", c)
		}
		if _, err := c.peftJSON(); err != nil {
			t.Fatal(err)
		}
	})
}
