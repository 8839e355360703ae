package hybrid

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// gradients returns a copy of every parameter gradient, in Params order
// (nil for frozen parameters), and whether any is non-zero.
func gradients(ps []*nn.Param) ([][]float32, bool) {
	var out [][]float32
	nonzero := false
	for _, p := range ps {
		g := append([]float32(nil), p.G()...)
		for _, v := range g {
			nonzero = nonzero || v != 0
		}
		out = append(out, g)
	}
	return out, nonzero
}

// Infer and InferAt return Forward's logits bit for bit through every mixer kind,
// under every precision policy, with and without LoRA adapters on the
// embedding and every projection (their weights drawn away from zero so
// that they change the logits), and leaves the last Forward's activations
// alone: a Backward after Infer calls accumulates the gradients it
// accumulates right after its Forward.
func TestInferMatchesForward(t *testing.T) {
	for _, adapted := range []bool{false, true} {
		m, err := New(tinyConfig(Mamba, Attention, Mamba2), 7)
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Params()
		if adapted {
			a, err := lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetRegex: `backbone\.(embeddings|layers\.\d+\.mixer\.(in|out|x|dt)_proj)`}, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Embeddings) != 1 || len(a.Linears) != 2*(4+2+2) { // per pattern repeat: mamba 4, attention 2, mamba2 2
				t.Fatalf("%d embedding and %d linear adapters", len(a.Embeddings), len(a.Linears))
			}
			r := rand.New(rand.NewPCG(9, 10))
			for _, p := range a.Params() {
				for i := range p.Value.Data {
					p.Value.Data[i] = 0.3 * float32(r.NormFloat64())
				}
			}
			ps = append(ps, a.Params()...)
		}
		r := rand.New(rand.NewPCG(11, 12))
		V := m.VocabSize()
		for _, pol := range nntest.Policies {
			what := pol.String() + map[bool]string{false: "", true: " lora"}[adapted]
			for _, shape := range [][2]int{{2, 9}, {1, 70}} {
				B, T := shape[0], shape[1]
				x := ids(r, B*T, V)
				tg := nn.ShiftLabels(x, B, T)
				nn.ZeroGrads(ps)
				lm.Loss(m, pol, x, tg, B, T, true, 1)
				want, nonzero := gradients(ps)
				if !nonzero {
					t.Fatalf("%s: every gradient is zero", what)
				}
				full := append([]float32(nil), m.Forward(pol, x, B, T)...)
				m.Infer(pol, ids(r, 3*5, V), 3, 5) // another shape in between
				if i := nntest.FirstBitDiff(m.Infer(pol, x, B, T), full); i >= 0 {
					t.Fatalf("%s %dx%d: Infer differs from Forward at logit %d", what, B, T, i)
				}
				pos := append(r.Perm(B * T)[:B*T/2+1], B*T-1, 0, B*T-1) // repeats allowed
				at := m.InferAt(pol, x, B, T, pos)
				if len(at) != len(pos)*V {
					t.Fatalf("%s: InferAt: %d logits for %d positions", what, len(at), len(pos))
				}
				for k, p := range pos {
					if i := nntest.FirstBitDiff(at[k*V:(k+1)*V], full[p*V:(p+1)*V]); i >= 0 {
						t.Fatalf("%s %dx%d: InferAt position %d differs from Forward at logit %d", what, B, T, p, i)
					}
				}
				m.Infer(pol, ids(r, B*T, V), B, T) // other tokens, same shape
				// Backward of the Forward before the Infer calls
				nn.ZeroGrads(ps)
				dl := make([]float32, len(full))
				nn.CrossEntropy(dl, full, tg, B*T, V, 1)
				pol.Act(dl)
				m.Backward(pol, dl)
				got, _ := gradients(ps)
				for k, g := range got {
					if i := nntest.FirstBitDiff(g, want[k]); i >= 0 {
						t.Fatalf("%s %dx%d: after Infer, Backward's %s gradient differs at %d", what, B, T, ps[k].Name, i)
					}
				}
			}
		}
	}
}

// Infer holds one layer's activations per mixer kind where Forward holds
// every layer's: nine more layers add to what a fresh model's first Forward
// allocates at least four times what they add to its first Infer.
func TestInferMemoryIndependentOfDepth(t *testing.T) {
	allocated := func(layers int, infer bool) uint64 {
		c := tinyConfig(Mamba, Attention, Mamba2)
		c.Layers = layers
		m, err := New(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		B, T := 2, 256
		x := ids(rand.New(rand.NewPCG(1, 2)), B*T, c.Vocab)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if infer {
			m.Infer(precision.FP32Policy, x, B, T)
		} else {
			m.Forward(precision.FP32Policy, x, B, T)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	fwd := int64(allocated(12, false)) - int64(allocated(3, false))
	inf := int64(allocated(12, true)) - int64(allocated(3, true))
	if fwd <= 0 || 4*inf > fwd {
		t.Errorf("9 more layers: Forward allocates %d more bytes, Infer %d", fwd, inf)
	}
}
