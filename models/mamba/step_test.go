package mamba

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Feeding tokens one at a time through Step gives Forward's logits at every
// position, under every policy.
func TestStepMatchesForward(t *testing.T) {
	for _, untied := range []bool{false, true} {
		c := tinyConfig()
		c.K, c.Untied, c.Bias = 4, untied, untied
		m := tiny(t, c, 11)
		r := rand.New(rand.NewPCG(12, 13))
		B, T := 3, 9
		ids := nntest.RandIDs(r, B*T, c.Vocab)
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.FP16AMP, precision.BF16AMP} {
			want := append([]float32(nil), m.Forward(pol, ids, B, T)...)
			st := m.NewState(B)
			tol := 1e-5
			if pol.Half() {
				tol = 4 * float64(pol.Compute.Eps()) // a 16-bit rounding may flip where the matmul sums differ
			}
			var scale float64
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			V := c.Vocab
			for tt := 0; tt < T; tt++ {
				tok := make([]int, B)
				for b := range tok {
					tok[b] = ids[b*T+tt]
				}
				got := m.Step(pol, tok, st)
				for b := 0; b < B; b++ {
					for v := 0; v < V; v++ {
						g, w := got[b*V+v], want[(b*T+tt)*V+v]
						if math.Abs(float64(g-w)) > tol*scale {
							t.Fatalf("untied=%v %v t=%d b=%d v=%d: step %v, forward %v", untied, pol, tt, b, v, g, w)
						}
					}
				}
			}
			// the SSM state after T steps is the scan's last state: a step from
			// it continues the sequence as Forward on T+1 tokens would
			st2 := st.Clone()
			next := m.Step(pol, []int{1, 2, 3}, st2)
			long := make([]int, B*(T+1))
			for b := 0; b < B; b++ {
				copy(long[b*(T+1):], ids[b*T:(b+1)*T])
				long[b*(T+1)+T] = b + 1
			}
			full := m.Forward(pol, long, B, T+1)
			for b := 0; b < B; b++ {
				for v := 0; v < V; v++ {
					if g, w := next[b*V+v], full[(b*(T+1)+T)*V+v]; math.Abs(float64(g-w)) > tol*scale {
						t.Fatalf("%v continuation b=%d: %v vs %v", pol, b, g, w)
					}
				}
			}
		}
	}
}
