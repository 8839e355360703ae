package mamba2

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// rowsOf returns a state of the sequences idx of s, in that order.
func rowsOf(s *State, idx []int) *State {
	out := &State{B: len(idx), Conv: make([][]float32, len(s.Conv)), SSM: make([][]float32, len(s.SSM))}
	for l := range s.Conv {
		c, h := len(s.Conv[l])/s.B, len(s.SSM[l])/s.B
		for _, i := range idx {
			out.Conv[l] = append(out.Conv[l], s.Conv[l][i*c:(i+1)*c]...)
			out.SSM[l] = append(out.SSM[l], s.SSM[l][i*h:(i+1)*h]...)
		}
	}
	return out
}

func cloneState(s *State) *State { return rowsOf(s, []int{0, 1}[:s.B]) }

// Continue from Prefill's state (its rows swapped) gives the logits of
// Forward over prefix+continuation and of Steps feeding the continuation,
// and ContinueState's final state is FinalState's: conv widths 1 to 4 with
// continuations shorter than the window, lengths across and not multiples
// of the scan chunk, both scans, every policy.
func TestContinueMatchesForwardAndStep(t *testing.T) {
	for _, tc := range []struct {
		K, Q int
		seed uint64
		scan Scan
	}{{3, 3, 1, Chunked}, {4, 4, 2, Chunked}, {1, 5, 3, Chunked}, {2, 3, 4, Recurrent}, {4, 64, 5, Chunked}} {
		c := tinyConfig()
		c.K, c.ChunkSize = tc.K, tc.Q
		m := tinyModel(t, c, tc.seed)
		m.SetScan(tc.scan)
		r := rand.New(rand.NewPCG(tc.seed, 98))
		V := c.Vocab
		for _, ptol := range []struct {
			pol precision.Policy
			tol float64
		}{{precision.FP32Policy, 1e-5}, {precision.BF16AMP, 2e-2}, {precision.FP16AMP, 2e-3},
			{precision.Policy{Compute: precision.BF16, PureWeights: true}, 2e-2}} {
			pol := ptol.pol
			for _, sh := range [][2]int{{1, 1}, {2, 2}, {5, 3}, {7, 1}, {3, 11}, {70, 9}} {
				P, T := sh[0], sh[1]
				name := fmt.Sprintf("K=%d Q=%d scan=%d %v P=%d T=%d", tc.K, tc.Q, tc.scan, pol, P, T)
				B, L := 2, P+T
				ids := nntest.RandIDs(r, B*L, V)
				want := append([]float32(nil), m.Forward(pol, ids, B, L)...)
				wantSt := m.FinalState()
				prefix, cont := make([]int, B*P), make([]int, B*T)
				for b := 0; b < B; b++ {
					copy(prefix[b*P:], ids[b*L:b*L+P])
					copy(cont[(1-b)*T:], ids[b*L+P:(b+1)*L]) // the rows swapped
				}
				_, pre := m.Prefill(pol, prefix, B, P)
				st := rowsOf(pre, []int{1, 0})
				before := cloneState(st)
				got, fin := m.ContinueState(pol, cont, B, T, st, nil)
				got = append([]float32(nil), got...)
				for rr := 0; rr < B; rr++ {
					b := 1 - rr
					if e := relErr(got[rr*T*V:(rr+1)*T*V], want[(b*L+P)*V:(b+1)*L*V]); e > ptol.tol {
						t.Fatalf("%s: row %d: Continue differs from Forward by %.3g", name, rr, e)
					}
				}
				for l := range st.Conv {
					if relErr(st.Conv[l], before.Conv[l]) != 0 || relErr(st.SSM[l], before.SSM[l]) != 0 {
						t.Fatalf("%s: Continue changed its initial state", name)
					}
					swapped := rowsOf(wantSt, []int{1, 0})
					if e := relErr(fin.Conv[l], swapped.Conv[l]); e > ptol.tol {
						t.Fatalf("%s: layer %d final conv state differs by %.3g", name, l, e)
					}
					if e := relErr(fin.SSM[l], swapped.SSM[l]); e > ptol.tol {
						t.Fatalf("%s: layer %d final scan state differs by %.3g", name, l, e)
					}
				}
				for tt := 0; tt < min(T, 4); tt++ {
					step := m.Step(pol, st, []int{cont[tt], cont[T+tt]})
					for rr := 0; rr < B; rr++ {
						if e := relErr(got[(rr*T+tt)*V:(rr*T+tt+1)*V], step[rr*V:(rr+1)*V]); e > ptol.tol {
							t.Fatalf("%s: row %d t=%d: Continue differs from Step by %.3g", name, rr, tt, e)
						}
					}
				}
			}
		}
	}
}

// InferAt and Continue with positions give the rows of the full logits at
// those positions, in the order asked (repeats included).
func TestInferAtAndContinuePositions(t *testing.T) {
	c := tinyConfig()
	m := tinyModel(t, c, 8)
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
