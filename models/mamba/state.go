package mamba

import (
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// FinalState returns the recurrent state after the last Forward: what a
// Step from NewState would hold after those tokens, so Step continues the
// sequences (a prompt run once as a matrix product, then continued
// token by token, as scoring shared-context choices does).
func (m *Model) FinalState() *State {
	if m.batch == 0 {
		panic("mamba: FinalState without Forward")
	}
	s := m.NewState(m.batch)
	for i, blk := range m.Layers {
		blk.Mixer.finalState(s.Layers[i], m.batch, m.length, false)
	}
	return s
}

// finalState copies the state after the mixer's last Forward (B
// sequences of L tokens) into st; cont says that pass continued from a
// state (its conv inputs are then in xext, after the state's own).
func (mx *Mixer) finalState(st LayerState, B, L int, cont bool) {
	E, N, K := mx.E, mx.N, mx.K
	for b := 0; b < B; b++ {
		// the last K−1 conv inputs x (in_proj's first half), zeros before t = 0
		for k := 0; k < K-1; k++ {
			dst := st.Conv[(b*(K-1)+k)*E : (b*(K-1)+k+1)*E]
			if cont {
				r := b*(K-1+L) + L + k // row L+k of the K−1+L rows
				copy(dst, mx.xext[r*E:(r+1)*E])
			} else if t := L - (K - 1) + k; t >= 0 {
				copy(dst, mx.xz[(b*L+t)*2*E:(b*L+t)*2*E+E])
			}
		}
	}
	toGroups(mx.so.h, st.SSM, B, E, N, false) // the scan's running states
}

// inferBufs are the activations of Infer and Prefill, reused across calls.
type inferBufs struct {
	scratch                        Mixer     // the mixer activations every layer computes in
	res, normed, mix, rstd, hf, lg []float32 // residual, norm and mixer outputs, logits
	sel                            []float32 // the residual rows of the chosen positions
}

// Infer is Forward without the training tape: the layers share one set of
// activation buffers, so memory is the weights plus one layer's
// activations, the residual stream and the logits. The logits equal
// Forward's and belong to the model until the next Infer, InferAt,
// Prefill or Continue. It leaves the last Forward's activations alone
// (Backward may still follow it).
func (m *Model) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	logits, _ := m.infer(pol, ids, B, T, nil, nil, false)
	return logits
}

// InferAt is Infer computing the logits of the positions pos only (indices
// b·T+t into the B·T positions), one row each in pos's order: the final
// norm and the head, a third of the pass at mamba-130m's vocabulary, run
// on those rows alone.
func (m *Model) InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32 {
	logits, _ := m.infer(pol, ids, B, T, nil, pos, false)
	return logits
}

// Prefill runs prompts (B sequences of T tokens) as Infer does and returns
// the logits of each one's last position (B, V), which predict the next
// token (the model's until the next pass), and the state from which Step
// or Continue continues them.
func (m *Model) Prefill(pol precision.Policy, ids []int, B, T int) ([]float32, *State) {
	return m.infer(pol, ids, B, T, nil, lm.LastPositions(B, T), true)
}

// Continue runs B sequences of T tokens from the state from (B sequences:
// Prefill's, FinalState's, or Rows of them) as one matrix-product pass, as
// Infer runs them from the start: each layer's conv reads the state's last
// K−1 inputs before t = 0 and its scan starts from the state's h. It
// returns the logits of the positions pos (indices b·T+t, one row each in
// pos's order), or of every position (B, T, V) when pos is nil: those of
// the Steps that would feed the same tokens one at a time, and of Forward
// over the whole sequences. from is not changed; the logits are the
// model's until the next pass.
func (m *Model) Continue(pol precision.Policy, ids []int, B, T int, from *State, pos []int) []float32 {
	m.checkFrom(from, B)
	logits, _ := m.infer(pol, ids, B, T, from, pos, false)
	return logits
}

// ContinueState is Continue that also returns the state after the T tokens
// (to continue again, or to Step from).
func (m *Model) ContinueState(pol precision.Policy, ids []int, B, T int, from *State, pos []int) ([]float32, *State) {
	m.checkFrom(from, B)
	return m.infer(pol, ids, B, T, from, pos, true)
}

func (m *Model) checkFrom(from *State, B int) {
	if from == nil || from.B != B || len(from.Layers) != len(m.Layers) {
		panic("mamba: Continue needs a state of the model for B sequences")
	}
}

// infer is the pass behind Infer, InferAt, Prefill and Continue: from the
// state from (nil: from the start), the logits of positions pos (nil:
// all), and the final state when final is set.
func (m *Model) infer(pol precision.Policy, ids []int, B, T int, from *State, pos []int, final bool) ([]float32, *State) {
	n, D, f := B*T, m.Cfg.D, &m.inf
	for _, p := range pos {
		if p < 0 || p >= n {
			panic("mamba: position out of range")
		}
	}
	f.res, f.normed, f.mix, f.rstd = tensor.Grow(f.res, n*D), tensor.Grow(f.normed, n*D), tensor.Grow(f.mix, n*D), tensor.Grow(f.rstd, n)
	var st *State
	if final {
		st = m.NewState(B)
	}
	m.Emb.ForwardPolicy(pol, f.res, ids)
	for i, b := range m.Layers {
		b.Norm.Forward(f.normed, f.rstd, f.res, n)
		mx := b.Mixer
		mx.swapActs(&f.scratch) // mx computes in the shared buffers; its own wait in scratch
		var ls *LayerState
		if from != nil {
			ls = &from.Layers[i]
		}
		mx.forward(pol, f.mix, f.normed, B, T, ls)
		if final {
			mx.finalState(st.Layers[i], B, T, from != nil)
		}
		mx.swapActs(&f.scratch)
		tensor.AddTo(f.res, f.mix)
	}
	rows, last := n, f.res[:n*D]
	if pos != nil { // the chosen positions only, gathered in order
		rows = len(pos)
		f.sel = tensor.Grow(f.sel, rows*D)
		for r, p := range pos {
			copy(f.sel[r*D:(r+1)*D], f.res[p*D:(p+1)*D])
		}
		last = f.sel[:rows*D]
	}
	f.hf, f.lg = tensor.Grow(f.hf, rows*D), tensor.Grow(f.lg, rows*m.Cfg.Vocab)
	f.rstd = tensor.Grow(f.rstd, rows)
	m.NormF.Forward(f.hf, f.rstd[:rows], last, rows)
	m.Head.Forward(pol, f.lg, f.hf, rows)
	return f.lg, st
}

// InferWith is Forward computing in scratch's activation buffers instead of
// the mixer's own: out is Forward's bit for bit, and the activations of the
// mixer's last Forward, which its Backward reads, stay as they were. The
// mixers of a stack may share one scratch (any Mixer, a zero one included:
// only its activation buffers are used), so that an inference pass holds
// one layer's activations, as models/hybrid's Infer does.
func (m *Mixer) InferWith(scratch *Mixer, pol precision.Policy, out, in []float32, B, L int) {
	m.swapActs(scratch)
	defer m.swapActs(scratch)
	m.Forward(pol, out, in, B, L)
}

// swapActs exchanges the Forward activations (and the shape and input they
// belong to) of m and o.
func (m *Mixer) swapActs(o *Mixer) {
	m.batch, o.batch, m.length, o.length, m.in, o.in = o.batch, m.batch, o.length, m.length, o.in, m.in
	m.xz, o.xz, m.xc, o.xc, m.u, o.u, m.xext, o.xext = o.xz, m.xz, o.xc, m.xc, o.u, m.u, o.xext, m.xext
	m.dbl, o.dbl, m.dt, o.dt, m.bm, o.bm, m.cm, o.cm = o.dbl, m.dbl, o.dt, m.dt, o.bm, m.bm, o.cm, m.cm
	m.dtr, o.dtr, m.sc, o.sc, m.so, o.so = o.dtr, m.dtr, o.sc, m.sc, o.so, m.so
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
