package rnn

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// gradients returns a copy of every parameter gradient (nil for frozen
// ones) and whether any is non-zero.
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

// Infer returns Forward's logits bit for bit under every precision policy,
// with and without LoRA adapters (drawn away from zero), at shapes whose
// head products span several kernel tiles, and leaves the last Forward's
// activations alone: a Backward after Infer calls accumulates the
// gradients it accumulates right after its Forward.
func TestInferMatchesForward(t *testing.T) {
	for _, adapted := range []bool{false, true} {
		c := DefaultConfig(97, 48)
		c.D, c.Radius, c.InitRange = 24, 1.2, 0.3
		m, err := New(c, 3)
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Params()
		if adapted {
			a, err := lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetModules: []string{"rnn.ih", "rnn.hh"}}, 5)
			if err != nil {
				t.Fatal(err)
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
		for _, s := range []string{"fp32", "fp16", "bf16", "fp16-pure", "bf16-pure"} {
			pol, err := precision.ParsePolicy(s)
			if err != nil {
				t.Fatal(err)
			}
			what := s + map[bool]string{false: "", true: " lora"}[adapted]
			for _, shape := range [][2]int{{1, 7}, {2, 9}, {3, 41}} {
				B, T, V := shape[0], shape[1], c.Vocab
				x := randIDs(r, B*T, V)
				tg := nn.ShiftLabels(x, B, T)
				full := append([]float32(nil), m.Forward(pol, x, B, T)...)
				dl := make([]float32, len(full))
				nn.CrossEntropy(dl, full, tg, B*T, V, 1)
				pol.Act(dl)
				nn.ZeroGrads(ps)
				m.Backward(pol, dl)
				want, nonzero := gradients(ps)
				if !nonzero {
					t.Fatalf("%s: every gradient is zero", what)
				}
				m.Forward(pol, x, B, T)
				m.Infer(pol, randIDs(r, 4*3, V), 4, 3) // another shape in between
				if i := nntest.FirstBitDiff(m.Infer(pol, x, B, T), full); i >= 0 {
					t.Fatalf("%s %dx%d: Infer differs from Forward at logit %d", what, B, T, i)
				}
				m.Infer(pol, randIDs(r, B*T, V), B, T) // other tokens, same shape
				nn.ZeroGrads(ps)
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
