package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
)

// FinalState returns the recurrent state after the last Forward: what a
// Step from NewState would hold after those tokens, so Step continues the
// sequences (a prompt run once as a matrix product, then continued
// token by token, as scoring shared-context choices does).
func (m *Model) FinalState() *State {
	if m.batch == 0 {
		panic("mamba: FinalState without Forward")
	}
	B, L := m.batch, m.length
	s := m.NewState(B)
	for i, blk := range m.Layers {
		mx := blk.Mixer
		E, N, K := mx.E, mx.N, mx.K
		G, gs := numGroups(E), N*kern.Lanes
		st := s.Layers[i]
		for b := 0; b < B; b++ {
			// the last K−1 conv inputs x (in_proj's first half), zeros before t = 0
			for k := 0; k < K-1; k++ {
				if t := L - (K - 1) + k; t >= 0 {
					copy(st.Conv[(b*(K-1)+k)*E:(b*(K-1)+k+1)*E], mx.xz[(b*L+t)*2*E:(b*L+t)*2*E+E])
				}
			}
			// the scan's running states, (G, N, 8) by groups of channels
			h := mx.so.h[b*G*gs : (b+1)*G*gs]
			for e := 0; e < E; e++ {
				g, lane := e/kern.Lanes, e%kern.Lanes
				for n := 0; n < N; n++ {
					st.SSM[(b*E+e)*N+n] = h[g*gs+n*kern.Lanes+lane]
				}
			}
		}
	}
	return s
}

// Rows returns a state of len(rows) sequences, row r a copy of sequence
// rows[r] of the states they name (src[r] and its sequence index idx[r]).
func Rows(src []*State, idx []int) *State {
	if len(src) == 0 || len(src) != len(idx) {
		panic("mamba: Rows needs one index per source state")
	}
	R := len(src)
	out := &State{B: R, Layers: make([]LayerState, len(src[0].Layers))}
	for l := range out.Layers {
		c, h := len(src[0].Layers[l].Conv)/src[0].B, len(src[0].Layers[l].SSM)/src[0].B
		out.Layers[l] = LayerState{Conv: make([]float32, R*c), SSM: make([]float32, R*h)}
		for r, s := range src {
			i := idx[r]
			copy(out.Layers[l].Conv[r*c:(r+1)*c], s.Layers[l].Conv[i*c:(i+1)*c])
			copy(out.Layers[l].SSM[r*h:(r+1)*h], s.Layers[l].SSM[i*h:(i+1)*h])
		}
	}
	return out
}
