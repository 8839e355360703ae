package mamba

import (
	"math"
	"math/rand/v2"
	"testing"

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
			ids := randIDs(r, B*T, c.Vocab)
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
