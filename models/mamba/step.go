package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// LayerState is one layer's recurrent state between tokens (mamba_ssm's
// inference cache: conv_state and ssm_state).
type LayerState struct {
	Conv []float32 // (B, K−1, E) the last K−1 conv inputs x, oldest first
	SSM  []float32 // (B, E, N) the scan state h, fp32
}

// State is the recurrent state of the whole model for a batch of B
// sequences. A fresh state (zeros) is the state before the first token.
type State struct {
	B      int
	Layers []LayerState
}

// NewState returns the zero state for B sequences.
func (m *Model) NewState(B int) *State {
	s := &State{B: B, Layers: make([]LayerState, len(m.Layers))}
	for i, b := range m.Layers {
		mx := b.Mixer
		s.Layers[i] = LayerState{Conv: make([]float32, B*(mx.K-1)*mx.E), SSM: make([]float32, B*mx.E*mx.N)}
	}
	return s
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := &State{B: s.B, Layers: make([]LayerState, len(s.Layers))}
	for i, l := range s.Layers {
		c.Layers[i] = LayerState{Conv: append([]float32(nil), l.Conv...), SSM: append([]float32(nil), l.SSM...)}
	}
	return c
}

// stepScratch holds one token's activations of a mixer (B rows each).
type stepScratch struct {
	xz            []float32 // (B, 2E)
	x, z, xc, u   []float32 // (B, E)
	dbl           []float32 // (B, R+2N)
	dt, bm, cm    []float32 // (B, R), (B, N), (B, N)
	dtr, delta, y []float32 // (B, E)
	ypre          []float32 // (B, E)
	normed, rstd  []float32 // (B, D), (B) of the block's norm
	mix           []float32 // (B, D)
	at, al2, h    []float32 // A by groups, A·log2(e), states by groups (the scan kernel's layouts)
}

// Step feeds one token per sequence (ids, B of them) through the model,
// advancing st in place, and returns the logits (B, V). A sequence of Steps
// from NewState gives the logits of Forward on the whole sequence.
func (m *Model) Step(pol precision.Policy, ids []int, st *State) []float32 {
	x := make([]float32, len(ids)*m.Cfg.D)
	m.Emb.ForwardPolicy(pol, x, ids)
	return m.StepEmbedded(pol, x, st)
}

// StepEmbedded is Step from given input embeddings x (B, D), which it
// overwrites (it becomes the last residual stream): the entry point for
// perturbing inputs.
func (m *Model) StepEmbedded(pol precision.Policy, x []float32, st *State) []float32 {
	B := st.B
	for i, b := range m.Layers {
		b.Step(pol, x, st.Layers[i], B)
	}
	hf, rstd := make([]float32, B*m.Cfg.D), make([]float32, B)
	m.NormF.Forward(hf, rstd, x, B)
	logits := make([]float32, B*m.Cfg.Vocab)
	m.Head.Forward(pol, logits, hf, B)
	return logits
}

// Step advances one block by one token: res (B, D) ← res + Mixer(Norm(res)).
func (b *Block) Step(pol precision.Policy, res []float32, st LayerState, B int) {
	s := &b.Mixer.step
	D := b.Mixer.D
	s.normed, s.rstd, s.mix = tensor.Grow(s.normed, B*D), tensor.Grow(s.rstd, B), tensor.Grow(s.mix, B*D)
	b.Norm.Forward(s.normed, s.rstd, res, B)
	b.Mixer.Step(pol, s.mix, s.normed, st, B)
	tensor.AddTo(res, s.mix)
}

// Step is the mixer's recurrent form (mamba_ssm Mamba.step): out (B, D)
// for the normed input in (B, D) of one token, advancing st in place. The
// arithmetic is Forward's: the same rounding points and scan kernel.
func (mx *Mixer) Step(pol precision.Policy, out, in []float32, st LayerState, B int) {
	s := &mx.step
	E, N, R := mx.E, mx.N, mx.R
	s.xz = tensor.Grow(s.xz, B*2*E)
	s.x, s.z, s.xc, s.u = grow4(s.x, s.z, s.xc, s.u, B*E)
	s.dtr, s.delta, s.y, s.ypre = grow4(s.dtr, s.delta, s.y, s.ypre, B*E)
	s.dbl = tensor.Grow(s.dbl, B*(R+2*N))
	s.dt, s.bm, s.cm = tensor.Grow(s.dt, B*R), tensor.Grow(s.bm, B*N), tensor.Grow(s.cm, B*N)

	mx.InProj.Forward(pol, s.xz, in, B)
	splitCols(s.xz, B, part{s.x, E}, part{s.z, E})
	mx.convStep(pol, s.xc, s.x, st.Conv, B)
	nn.SiLU(s.u, s.xc)
	pol.Act(s.u)
	mx.XProj.Forward(pol, s.dbl, s.u, B)
	splitCols(s.dbl, B, part{s.dt, R}, part{s.bm, N}, part{s.cm, N})
	mx.DtProj.Forward(pol, s.dtr, s.dt, B)
	mx.stepScan(st.SSM, B)
	pol.Act(s.y) // selective_scan returns its output in the input dtype
	mx.OutProj.Forward(pol, out, s.y, B)
}

// stepScan advances the scan states ssm (B, E, N) by one token with
// Forward's vectorised kernel (kern.ScanFwd over one step), in parallel
// over (sequence, group of 8 channels), writing Δ, y before the gate and
// the gated y (not rounded) into the step scratch.
func (mx *Mixer) stepScan(ssm []float32, B int) {
	s := &mx.step
	E, N := mx.E, mx.N
	G, gs := numGroups(E), N*kern.Lanes
	s.at = groupA(s.at, mx.A(), E, N)
	s.al2 = tensor.Grow(s.al2, len(s.at))
	for i, v := range s.at {
		s.al2[i] = v * kern.Log2E
	}
	s.h = tensor.Grow(s.h, B*G*gs)
	clear(s.h)
	toGroups(s.h, ssm, B, E, N, true)
	Dsk, bias := mx.Dskip.Value.Data, mx.DtBias.Value.Data
	tensor.Parallel(B*G, 1, func(lo, hi int) {
		for w := lo; w < hi; w++ {
			b, g := w/G, w%G
			e0, o := g*kern.Lanes, b*E+g*kern.Lanes
			f := kern.Fwd{H: s.h[w*gs : (w+1)*gs], AT: s.at[g*gs:], AL2: s.al2[g*gs:], Bias: bias[e0:], D: Dsk[e0:],
				Bm: s.bm[b*N:], Cm: s.cm[b*N:], Dt: s.dtr[o:], U: s.u[o:], Z: s.z[o:], Delta: s.delta[o:], YPre: s.ypre[o:], Y: s.y[o:],
				Len: 1, N: N, E: E, W: min(kern.Lanes, E-e0), ZS: E}
			kern.ScanFwd(&f)
		}
	})
	toGroups(s.h, ssm, B, E, N, false)
}

// toGroups copies states between the (B, E, N) layout of LayerState and
// the kernel's (B, G, N, 8) groups: into h if in, else out of it.
func toGroups(h, ssm []float32, B, E, N int, in bool) {
	G, gs := numGroups(E), N*kern.Lanes
	for b := 0; b < B; b++ {
		for e := 0; e < E; e++ {
			g, lane := e/kern.Lanes, e%kern.Lanes
			for n := 0; n < N; n++ {
				hi, si := (b*G+g)*gs+n*kern.Lanes+lane, (b*E+e)*N+n
				if in {
					h[hi] = ssm[si]
				} else {
					ssm[si] = h[hi]
				}
			}
		}
	}
}

// convStep is one output of the causal conv from the stored last K−1
// inputs and the new one x (B, E), in Conv1d.Forward's order and rounding;
// then it shifts x into the state.
func (mx *Mixer) convStep(pol precision.Policy, y, x, state []float32, B int) {
	E, K := mx.E, mx.K
	w := mx.Conv.W.Value.Data
	for b := 0; b < B; b++ {
		st := state[b*(K-1)*E : (b+1)*(K-1)*E]
		for e := 0; e < E; e++ {
			var acc float32
			if mx.Conv.B != nil {
				acc = pol.Compute.Round(mx.Conv.B.Value.Data[e])
			}
			for k := 0; k < K-1; k++ {
				acc += pol.Compute.Round(w[e*K+k]) * pol.Compute.Round(st[k*E+e])
			}
			y[b*E+e] = pol.Compute.Round(acc + pol.Compute.Round(w[e*K+K-1])*pol.Compute.Round(x[b*E+e]))
		}
		if K > 1 {
			copy(st, st[E:])
			copy(st[(K-2)*E:], x[b*E:(b+1)*E])
		}
	}
}
