package mamba

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Forward on a prefix, FinalState, then Steps give Forward's logits on the
// whole sequence, for prefixes shorter and longer than the conv window and
// the scan's 64-step chunks, with widths that fill and do not fill the
// 8-lane groups.
func TestFinalStateContinuesForward(t *testing.T) {
	for _, d := range []int{6, 8} {
		c := tinyConfig()
		c.D, c.K = d, 4
		m := tiny(t, c, 5)
		r := rand.New(rand.NewPCG(1, 2))
		for _, P := range []int{1, 2, 7, 70} {
			B, T := 2, P+3
			ids := nntest.RandIDs(r, B*T, c.Vocab)
			pol := precision.FP32Policy
			want := append([]float32(nil), m.Forward(pol, ids, B, T)...)
			prefix := make([]int, B*P)
			for b := 0; b < B; b++ {
				copy(prefix[b*P:], ids[b*T:b*T+P])
			}
			m.Forward(pol, prefix, B, P)
			st := Rows([]*State{m.FinalState(), m.FinalState()}, []int{1, 0}) // swap the sequences
			V := c.Vocab
			for tt := P; tt < T; tt++ {
				got := m.Step(pol, []int{ids[1*T+tt], ids[0*T+tt]}, st)
				for r, b := range []int{1, 0} {
					for v := 0; v < V; v++ {
						g, w := got[r*V+v], want[(b*T+tt)*V+v]
						if math.Abs(float64(g-w)) > 1e-5*(1+math.Abs(float64(w))) {
							t.Fatalf("D=%d prefix %d: t=%d b=%d v=%d: %v, forward %v", d, P, tt, b, v, g, w)
						}
					}
				}
			}
		}
	}
}

// Infer and Prefill give Forward's logits and final state without
// touching the activations a Backward of the last Forward reads.
func TestInferMatchesForward(t *testing.T) {
	c := tinyConfig()
	c.K = 4
	m := tiny(t, c, 3)
	r := rand.New(rand.NewPCG(4, 5))
	B, T, V := 2, 70, c.Vocab
	ids := nntest.RandIDs(r, B*T, V)
	for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
		want := append([]float32(nil), m.Forward(pol, ids, B, T)...)
		wantSt := m.FinalState()
		m.Infer(pol, nntest.RandIDs(r, 3*5, V), 3, 5) // another shape in between
		got := append([]float32(nil), m.Infer(pol, ids, B, T)...)
		last, st := m.Prefill(pol, ids, B, T)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v: Infer logit %d = %v, Forward %v", pol, i, got[i], want[i])
			}
		}
		for b := 0; b < B; b++ {
			for v := 0; v < V; v++ {
				if last[b*V+v] != want[(b*T+T-1)*V+v] {
					t.Fatalf("%v: Prefill b=%d v=%d: %v, Forward %v", pol, b, v, last[b*V+v], want[(b*T+T-1)*V+v])
				}
			}
		}
		for l := range st.Layers {
			for i, x := range st.Layers[l].SSM {
				if x != wantSt.Layers[l].SSM[i] {
					t.Fatalf("%v: layer %d state %d: %v, FinalState %v", pol, l, i, x, wantSt.Layers[l].SSM[i])
				}
			}
			for i, x := range st.Layers[l].Conv {
				if x != wantSt.Layers[l].Conv[i] {
					t.Fatalf("%v: layer %d conv %d: %v, FinalState %v", pol, l, i, x, wantSt.Layers[l].Conv[i])
				}
			}
		}
		// the Forward's activations are intact: its FinalState is unchanged
		again := m.FinalState()
		if again.Layers[1].SSM[3] != wantSt.Layers[1].SSM[3] || again.B != B {
			t.Fatalf("%v: Infer changed the last Forward's activations", pol)
		}
	}
}
