package mamba2

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/precision"
)

// Infer and Prefill give Forward's logits and FinalState's state without
// touching the activations a Backward of the last Forward reads.
func TestInferMatchesForward(t *testing.T) {
	c := tinyConfig()
	m := tinyModel(t, c, 3)
	r := rand.New(rand.NewPCG(4, 5))
	B, T, V := 2, 11, c.Vocab
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = r.IntN(V)
	}
	for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
		want := append([]float32(nil), m.Forward(pol, ids, B, T)...)
		wantSt := m.FinalState()
		m.Infer(pol, ids[:3], 1, 3) // another shape in between
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
		for l := range st.Conv {
			for i := range st.SSM[l] {
				if st.SSM[l][i] != wantSt.SSM[l][i] {
					t.Fatalf("%v: layer %d state %d differs", pol, l, i)
				}
			}
			for i := range st.Conv[l] {
				if st.Conv[l][i] != wantSt.Conv[l][i] {
					t.Fatalf("%v: layer %d conv %d differs", pol, l, i)
				}
			}
		}
		again := m.FinalState()
		if again.B != B || again.SSM[1][2] != wantSt.SSM[1][2] {
			t.Fatalf("%v: Infer changed the last Forward's activations", pol)
		}
	}
}
