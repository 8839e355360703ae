package mamba2

import (
	"fmt"
	"math"

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
	c := m.cfg
	B, L, C, K := m.b, m.l, c.ConvDim(), c.K
	s := m.NewState(B)
	PN := c.HeadDim * c.N
	for i, blk := range m.Layers {
		x := blk.Mixer
		for b := 0; b < B; b++ {
			for k := 0; k < K-1; k++ {
				if t := L - (K - 1) + k; t >= 0 {
					copy(s.Conv[i][(b*(K-1)+k)*C:(b*(K-1)+k+1)*C], x.xbcIn[(b*L+t)*C:(b*L+t+1)*C])
				}
			}
		}
		nc := NumChunks(L, c.ChunkSize)
		for bh := 0; bh < B*c.H(); bh++ {
			copy(s.SSM[i][bh*PN:(bh+1)*PN], x.states[(bh*(nc+1)+nc)*PN:(bh*(nc+1)+nc+1)*PN])
		}
	}
	return s
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
