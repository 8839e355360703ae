package mamba2

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// State is the recurrent state of a batch of sequences, per layer:
//
//	Conv[l] (B, K−1, C)   the last K−1 conv inputs xBC, oldest first
//	SSM[l]  (B, H, P, N)  the scan state h
//
// A zero State is the start of a sequence.
type State struct {
	B    int
	Conv [][]float32
	SSM  [][]float32
}

// NewState returns the zero state for batch sequences.
func (m *Model) NewState(batch int) *State {
	c := m.cfg
	s := &State{B: batch}
	for range m.Layers {
		s.Conv = append(s.Conv, make([]float32, batch*(c.K-1)*c.ConvDim()))
		s.SSM = append(s.SSM, make([]float32, batch*c.H()*c.HeadDim*c.N))
	}
	return s
}

// FinalState returns the state after the last Forward, from which Step
// continues those sequences.
func (m *Model) FinalState() *State {
	if m.b == 0 {
		panic("mamba2: FinalState without Forward")
	}
	s := m.NewState(m.b)
	for i, blk := range m.Layers {
		blk.Mixer.finalState(s.Conv[i], s.SSM[i], m.b, m.l, false)
	}
	return s
}

// finalState copies the state after the mixer's last Forward (B
// sequences of L tokens) into conv and ssm; cont says that pass continued
// from a state (its conv inputs are then in xext, after the state's own).
func (x *Mixer) finalState(conv, ssm []float32, B, L int, cont bool) {
	c := x.cfg
	C, K, PN := c.ConvDim(), c.K, c.HeadDim*c.N
	for b := 0; b < B; b++ {
		for k := 0; k < K-1; k++ {
			dst := conv[(b*(K-1)+k)*C : (b*(K-1)+k+1)*C]
			if cont {
				r := b*(K-1+L) + L + k // row L+k of the K−1+L rows
				copy(dst, x.xext[r*C:(r+1)*C])
			} else if t := L - (K - 1) + k; t >= 0 {
				copy(dst, x.xbcIn[(b*L+t)*C:(b*L+t+1)*C])
			}
		}
	}
	nc := NumChunks(L, c.ChunkSize)
	for bh := 0; bh < B*c.H(); bh++ {
		copy(ssm[bh*PN:(bh+1)*PN], x.states[(bh*(nc+1)+nc)*PN:(bh*(nc+1)+nc+1)*PN])
	}
}

// inferBufs are the activations of the inference passes, reused across calls.
type inferBufs struct {
	mixer                      Mixer // the mixer activations every layer computes in
	block                      Block // the block's norm activations, likewise
	h, out, hf, rstdF, lg, sel []float32
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
// b·T+t into the B·T positions), one row each in pos's order.
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

// Continue runs B sequences of T tokens from the state from (B sequences)
// as one pass, as Infer runs them from the start: each layer's conv reads
// the state's last K−1 inputs before t = 0 and its scan starts from the
// state's h. It returns the logits of the positions pos (indices b·T+t, one
// row each in pos's order), or of every position (B, T, V) when pos is
// nil: those of Steps feeding the same tokens, and of Forward over the
// whole sequences. from is not changed; the logits are the model's until
// the next pass.
func (m *Model) Continue(pol precision.Policy, ids []int, B, T int, from *State, pos []int) []float32 {
	m.checkFrom(from, B)
	logits, _ := m.infer(pol, ids, B, T, from, pos, false)
	return logits
}

// ContinueState is Continue that also returns the state after the T tokens.
func (m *Model) ContinueState(pol precision.Policy, ids []int, B, T int, from *State, pos []int) ([]float32, *State) {
	m.checkFrom(from, B)
	return m.infer(pol, ids, B, T, from, pos, true)
}

func (m *Model) checkFrom(from *State, B int) {
	if from == nil || from.B != B || len(from.Conv) != len(m.Layers) || len(from.SSM) != len(m.Layers) {
		panic("mamba2: Continue needs a state of the model for B sequences")
	}
}

// infer is the pass behind Infer, InferAt, Prefill and Continue: from the
// state from (nil: from the start), the logits of positions pos (nil:
// all), and the final state when final is set.
func (m *Model) infer(pol precision.Policy, ids []int, B, T int, from *State, pos []int, final bool) ([]float32, *State) {
	if len(ids) != B*T {
		panic(fmt.Sprintf("mamba2: %d ids for shape [%d, %d]", len(ids), B, T))
	}
	D, n, f := m.cfg.D, B*T, &m.inf
	for _, p := range pos {
		if p < 0 || p >= n {
			panic("mamba2: position out of range")
		}
	}
	f.h, f.out = tensor.Grow(f.h, n*D), tensor.Grow(f.out, n*D)
	var st *State
	if final {
		st = m.NewState(B)
	}
	m.Embed.Forward(f.h, ids)
	for i, b := range m.Layers {
		b.swapActs(&f.block) // b and its mixer compute in the shared buffers
		b.Mixer.swapActs(&f.mixer)
		var conv0, h0 []float32
		if from != nil {
			conv0, h0 = from.Conv[i], from.SSM[i]
		}
		b.forward(pol, f.out, f.h, B, T, conv0, h0)
		if final {
			b.Mixer.finalState(st.Conv[i], st.SSM[i], B, T, from != nil)
		}
		b.Mixer.swapActs(&f.mixer)
		b.swapActs(&f.block)
		tensor.AddTo(f.h, f.out) // residual, fp32
		if pol.PureWeights && !m.cfg.ResidualFP32 {
			pol.Act(f.h)
		}
	}
	rows, last := n, f.h[:n*D]
	if pos != nil { // the chosen positions only, gathered in order
		rows = len(pos)
		f.sel = tensor.Grow(f.sel, rows*D)
		for r, p := range pos {
			copy(f.sel[r*D:(r+1)*D], f.h[p*D:(p+1)*D])
		}
		last = f.sel[:rows*D]
	}
	f.hf, f.rstdF, f.lg = tensor.Grow(f.hf, rows*D), tensor.Grow(f.rstdF, rows), tensor.Grow(f.lg, rows*m.cfg.Vocab)
	m.NormF.Forward(f.hf, f.rstdF, last, rows)
	m.Head.Forward(pol, f.lg, f.hf, rows)
	return f.lg, st
}

// swapActs exchanges the Forward activations of b and o (not the mixer's).
func (b *Block) swapActs(o *Block) {
	b.normIn, o.normIn, b.xn, o.xn, b.rstd, o.rstd = o.normIn, b.normIn, o.xn, b.xn, o.rstd, b.rstd
}

// InferWith is Forward computing in scratch's activation buffers instead of
// the mixer's own: out is Forward's bit for bit, and the activations of the
// mixer's last Forward, which its Backward reads, stay as they were. The
// mixers of a stack may share one scratch (any Mixer, a zero one included:
// only its activation buffers are used), so that an inference pass holds
// one layer's activations, as models/hybrid's Infer does.
func (x *Mixer) InferWith(scratch *Mixer, pol precision.Policy, out, u []float32, B, L int) {
	x.swapActs(scratch)
	defer x.swapActs(scratch)
	x.Forward(pol, out, u, B, L)
}

// swapActs exchanges the Forward activations (and the shape and input they
// belong to) of x and o.
func (x *Mixer) swapActs(o *Mixer) {
	x.b, o.b, x.l, o.l, x.u, o.u = o.b, x.b, o.l, x.l, o.u, x.u
	x.proj, o.proj, x.xbcIn, o.xbcIn, x.conv, o.conv, x.x, o.x = o.proj, x.proj, o.xbcIn, x.xbcIn, o.conv, x.conv, o.x, x.x
	x.xext, o.xext = o.xext, x.xext
	x.bm, o.bm, x.cm, o.cm, x.dt, o.dt, x.states, o.states = o.bm, x.bm, o.cm, x.cm, o.dt, x.dt, o.states, x.states
	x.y, o.y, x.gated, o.gated, x.rstd, o.rstd, x.normed, o.normed = o.y, x.y, o.gated, x.gated, o.rstd, x.rstd, o.normed, x.normed
}

// Step feeds one token per sequence (ids (B)) through the recurrence,
// updates st in place and returns the logits (B, V). Stepping through a
// sequence gives Forward's logits.
func (m *Model) Step(pol precision.Policy, st *State, ids []int) []float32 {
	B, D := st.B, m.cfg.D
	if len(ids) != B || len(st.Conv) != len(m.Layers) {
		panic(fmt.Sprintf("mamba2: Step with %d ids for a state of batch %d and %d layers", len(ids), B, len(st.Conv)))
	}
	h := make([]float32, B*D)
	m.Embed.Forward(h, ids)
	return m.StepEmbedded(pol, st, h)
}

// StepEmbedded is Step from given input embeddings h (B, D), which it
// overwrites (it becomes the last residual stream): the entry point for
// perturbing inputs.
func (m *Model) StepEmbedded(pol precision.Policy, st *State, h []float32) []float32 {
	B, D := st.B, m.cfg.D
	if len(h) != B*D || len(st.Conv) != len(m.Layers) {
		panic(fmt.Sprintf("mamba2: StepEmbedded with %d values for a state of batch %d, width %d and %d layers", len(h), B, D, len(st.Conv)))
	}
	out := make([]float32, B*D)
	xn, rstd := make([]float32, B*D), make([]float32, B)
	for i, blk := range m.Layers {
		in := h
		if pol.PureWeights {
			in = append([]float32(nil), h...)
			pol.Act(in)
		}
		blk.Norm.Forward(xn, rstd, in, B)
		blk.Mixer.Step(pol, out, xn, st.Conv[i], st.SSM[i], B)
		tensor.AddTo(h, out)
		if pol.PureWeights && !m.cfg.ResidualFP32 {
			pol.Act(h)
		}
	}
	hf := make([]float32, B*D)
	m.NormF.Forward(hf, rstd, h, B)
	logits := make([]float32, B*m.cfg.Vocab)
	m.Head.Forward(pol, logits, hf, B)
	return logits
}

// Step is one token of the mixer: u (B, D) in (the normed block input),
// out (B, D), conv (B, K−1, C) and ssm (B, H, P, N) updated in place. The
// arithmetic and rounding follow Forward.
func (x *Mixer) Step(pol precision.Policy, out, u, conv, ssm []float32, B int) {
	c := x.cfg
	E, H, C, Pj, GN, P, N, K := c.E(), c.H(), c.ConvDim(), c.ProjDim(), c.Groups*c.N, c.HeadDim, c.N, c.K
	proj := make([]float32, B*Pj)
	x.InProj.Forward(pol, proj, u, B)
	w := append([]float32(nil), x.Conv.W.Value.Data...)
	pol.Act(w)
	act, y, z := make([]float32, C), make([]float32, B*E), make([]float32, B*E)
	A := x.A()
	for b := 0; b < B; b++ {
		in := proj[b*Pj+E : b*Pj+E+C]
		win := conv[b*(K-1)*C : (b+1)*(K-1)*C]
		for ch := 0; ch < C; ch++ { // Conv1d.Forward's order: bias, then taps oldest first
			var s float32
			if x.Conv.B != nil {
				s = pol.Compute.Round(x.Conv.B.Value.Data[ch])
			}
			for k := 0; k < K-1; k++ {
				s += w[ch*K+k] * win[k*C+ch]
			}
			act[ch] = s + w[ch*K+K-1]*in[ch]
		}
		pol.Act(act)
		nn.SiLU(act, act)
		pol.Act(act)
		if K > 1 { // shift the window, append the new input
			copy(win, win[C:])
			copy(win[(K-2)*C:], in)
		}
		xs, bs, cs := act[:E], act[E:E+GN], act[E+GN:]
		for hd := 0; hd < H; hd++ {
			g := hd / (H / c.Groups)
			dt, _ := x.stepSize(pol, proj[b*Pj+E+C+hd], hd)
			a := float32(math.Exp(float64(dt * A[hd])))
			hs := ssm[(b*H+hd)*P*N : (b*H+hd+1)*P*N]
			bg, cg := bs[g*N:(g+1)*N], cs[g*N:(g+1)*N]
			for p := 0; p < P; p++ {
				hp := hs[p*N : (p+1)*N]
				uu := dt * xs[hd*P+p]
				var s float32
				for n := range hp {
					hp[n] = a*hp[n] + uu*bg[n]
					s += hp[n] * cg[n]
				}
				y[b*E+hd*P+p] = s + x.Dskip.Value.Data[hd]*xs[hd*P+p]
			}
		}
		copy(z[b*E:(b+1)*E], proj[b*Pj:b*Pj+E])
	}
	normed, g, rstd := make([]float32, B*E), make([]float32, B*E), make([]float32, B)
	gatedNormForward(normed, g, rstd, y, z, x.Norm.Value.Data, B, E, c.Eps)
	x.OutProj.Forward(pol, out, normed, B)
}
