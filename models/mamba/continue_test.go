package mamba

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// maxAbs is the largest magnitude in xs.
func maxAbs(xs []float32) float64 {
	var s float64
	for _, v := range xs {
		s = math.Max(s, math.Abs(float64(v)))
	}
	return s
}

// Continue from Prefill's state (rows gathered out of order with Rows)
// gives the logits of Forward over prefix+continuation and of Steps
// feeding the continuation one token at a time, and ContinueState's final
// state is FinalState's: for conv widths 1 to 4 with continuations shorter
// than the window, lengths across the scan's 64-step chunks (not multiples
// of them), widths that fill and do not fill the 8-lane groups, both scan
// kernels, every policy.
func TestContinueMatchesForwardAndStep(t *testing.T) {
	for _, tc := range []struct {
		D, K int
		seed uint64
		scan Scan
	}{{6, 4, 1, Fused}, {8, 4, 2, Fused}, {16, 2, 3, Fused}, {8, 1, 4, Fused}, {6, 3, 5, Reference}, {24, 4, 6, Fused}} {
		c := tinyConfig()
		c.D, c.K = tc.D, tc.K
		c.Untied, c.Bias, c.ConvBias = tc.seed%2 == 0, tc.seed%3 == 0, tc.seed != 4
		m := tiny(t, c, tc.seed)
		m.SetScan(tc.scan)
		r := rand.New(rand.NewPCG(tc.seed, 99))
		V := c.Vocab
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.FP16AMP, precision.BF16AMP, {Compute: precision.FP16, PureWeights: true}} {
			tol := 1e-5
			if pol.Half() {
				tol = 4 * float64(pol.Compute.Eps()) // a 16-bit rounding may flip where the matmul sums differ
			}
			for _, sh := range [][2]int{{1, 1}, {2, 3}, {5, 2}, {70, 1}, {3, 70}, {64, 64}, {61, 130}} {
				P, T := sh[0], sh[1]
				name := fmt.Sprintf("D=%d K=%d scan=%d %v P=%d T=%d", tc.D, tc.K, tc.scan, pol, P, T)
				B, L := 2, P+T
				ids := nntest.RandIDs(r, B*L, V)
				want := append([]float32(nil), m.Forward(pol, ids, B, L)...)
				wantSt := m.FinalState()
				scale := maxAbs(want)
				prefix, cont := make([]int, B*P), make([]int, B*T)
				for b := 0; b < B; b++ {
					copy(prefix[b*P:], ids[b*L:b*L+P])
					copy(cont[(1-b)*T:], ids[b*L+P:(b+1)*L]) // the rows swapped
				}
				_, pre := m.Prefill(pol, prefix, B, P)
				st := Rows([]*State{pre, pre}, []int{1, 0})
				before := st.Clone()
				got, fin := m.ContinueState(pol, cont, B, T, st, nil)
				got = append([]float32(nil), got...)
				for r := 0; r < B; r++ {
					b := 1 - r
					for tt := 0; tt < T; tt++ {
						for v := 0; v < V; v++ {
							g, w := got[(r*T+tt)*V+v], want[(b*L+P+tt)*V+v]
							if math.Abs(float64(g-w)) > tol*scale {
								t.Fatalf("%s: row %d t=%d v=%d: Continue %v, Forward %v", name, r, tt, v, g, w)
							}
						}
					}
				}
				if !equalStates(st, before) {
					t.Fatalf("%s: Continue changed its initial state", name)
				}
				for l := range fin.Layers {
					for r := 0; r < B; r++ {
						b := 1 - r
						c, h := len(fin.Layers[l].Conv)/B, len(fin.Layers[l].SSM)/B
						for i := 0; i < c; i++ {
							if g, w := fin.Layers[l].Conv[r*c+i], wantSt.Layers[l].Conv[b*c+i]; math.Abs(float64(g-w)) > tol*(1+math.Abs(float64(w))) {
								t.Fatalf("%s: layer %d row %d conv %d: %v, FinalState %v", name, l, r, i, g, w)
							}
						}
						for i := 0; i < h; i++ {
							if g, w := fin.Layers[l].SSM[r*h+i], wantSt.Layers[l].SSM[b*h+i]; math.Abs(float64(g-w)) > tol*(1+math.Abs(float64(w))) {
								t.Fatalf("%s: layer %d row %d state %d: %v, FinalState %v", name, l, r, i, g, w)
							}
						}
					}
				}
				if T > 5 {
					continue // Step over the short continuations only
				}
				for tt := 0; tt < T; tt++ {
					step := m.Step(pol, []int{cont[tt], cont[T+tt]}, st)
					for r := 0; r < B; r++ {
						for v := 0; v < V; v++ {
							g, w := got[(r*T+tt)*V+v], step[r*V+v]
							if math.Abs(float64(g-w)) > tol*scale {
								t.Fatalf("%s: row %d t=%d v=%d: Continue %v, Step %v", name, r, tt, v, g, w)
							}
						}
					}
				}
			}
		}
	}
}

func equalStates(a, b *State) bool {
	if a.B != b.B || len(a.Layers) != len(b.Layers) {
		return false
	}
	for l := range a.Layers {
		for i, v := range a.Layers[l].Conv {
			if v != b.Layers[l].Conv[i] {
				return false
			}
		}
		for i, v := range a.Layers[l].SSM {
			if v != b.Layers[l].SSM[i] {
				return false
			}
		}
	}
	return true
}

// InferAt and Continue with positions give the rows of the full logits
// at those positions, in the order asked (repeats included).
func TestInferAtAndContinuePositions(t *testing.T) {
	c := tinyConfig()
	c.K = 4
	m := tiny(t, c, 8)
	r := rand.New(rand.NewPCG(8, 9))
	B, T, V := 3, 11, c.Vocab
	ids := nntest.RandIDs(r, B*T, V)
	pol := precision.FP32Policy
	pos := []int{32, 0, 5, 5, 17, 12}
	all := append([]float32(nil), m.Infer(pol, ids, B, T)...)
	at := append([]float32(nil), m.InferAt(pol, ids, B, T, pos)...)
	_, st := m.Prefill(pol, nntest.RandIDs(r, B*4, V), B, 4)
	cAll := append([]float32(nil), m.Continue(pol, ids, B, T, st, nil)...)
	cAt := m.Continue(pol, ids, B, T, st, pos)
	for k, p := range pos {
		for v := 0; v < V; v++ {
			if at[k*V+v] != all[p*V+v] {
				t.Fatalf("InferAt row %d (position %d) v=%d: %v, Infer %v", k, p, v, at[k*V+v], all[p*V+v])
			}
			if cAt[k*V+v] != cAll[p*V+v] {
				t.Fatalf("Continue row %d (position %d) v=%d: %v, all positions %v", k, p, v, cAt[k*V+v], cAll[p*V+v])
			}
		}
	}
}
