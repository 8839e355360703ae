package mamba

import (
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// The Lyapunov study's hooks (models.Arch.Dynamics): a Mamba model along a
// token sequence as per-layer recurrences and one stacked recurrence, all
// in fp32. A layer's state is [conv (K−1)·E | ssm E·N]; the stack's is its
// layers' in order.

// dynamics runs m along tokens: a forward pass for the step sizes Δ, then
// Block.Step token by token, keeping each mixer's input.
func dynamics(m *Model, tokens []int) models.Dynamics {
	T, D := len(tokens), m.Cfg.D
	m.Forward(fp32, tokens, 1, T)
	d := models.Dynamics{Model: newStackSystem(m)}
	for _, b := range m.Layers {
		d.Layers = append(d.Layers, b.Mixer.LyapunovUnit(nil))
	}
	st := m.NewState(1)
	res, normed, out, rstd := make([]float32, D), make([]float32, D), make([]float32, D), make([]float32, 1)
	for _, id := range tokens {
		m.Emb.Forward(res, []int{id})
		for l, b := range m.Layers { // Block.Step, keeping the mixer's input
			b.Norm.Forward(normed, rstd, res, 1)
			d.Layers[l].Inputs = append(d.Layers[l].Inputs, append([]float32(nil), normed...))
			b.Mixer.Step(fp32, out, normed, st.Layers[l], 1)
			tensor.AddTo(res, out)
		}
	}
	return d
}

// ExactSpectrum returns the mixer's exact Lyapunov spectrum along each of
// the B sequences of T tokens of its last Forward: λ[b,d,n] = A[d,n]·mean_t
// Δ[b,t,d] (lyapunov.ExactSpectrumBatch), shape [E, N] per sequence, with
// A = −exp(A_log) as the scan computes it (Mixer.A). layer is its index
// in the model.
func (mx *Mixer) ExactSpectrum(layer, B, T int) models.Spectrum {
	lam, zeta := lyapunov.ExactSpectrumBatch(mx.A(), mx.E, mx.N, mx.Delta(), B, T)
	return models.Spectrum{Layer: layer, Shape: []int{mx.E, mx.N}, Exponents: lam, Max: zeta}
}

// lyapunovSpectra is the registry's Spectra hook: a forward pass under
// pol for the step sizes, then every layer's exact spectrum.
func lyapunovSpectra(lmm lm.Model, pol precision.Policy, ids []int, B, T int) []models.Spectrum {
	m := lmm.(*Model)
	m.Forward(pol, ids, B, T)
	out := make([]models.Spectrum, len(m.Layers))
	for l, b := range m.Layers {
		out[l] = b.Mixer.ExactSpectrum(l, B, T)
	}
	return out
}

// LyapunovUnit returns the mixer as the Lyapunov study's layer unit along
// inputs (T, D), with the step sizes Δ of its last Forward (copied now):
// its exact spectrum is lyapunov.ExactSpectrum's along them.
func (mx *Mixer) LyapunovUnit(inputs [][]float32) models.LayerUnit {
	delta, a := append([]float32(nil), mx.Delta()...), append([]float32(nil), mx.A()...)
	E, N := mx.E, mx.N
	return models.LayerUnit{System: newLayerSystem(mx), Inputs: inputs,
		Spectrum: func(from, to, k int) []float64 {
			lam, _ := lyapunov.ExactSpectrum(a, E, N, delta[from*E:to*E], to-from)
			out := make([]float64, len(lam))
			for i, v := range lam {
				out[i] = float64(v)
			}
			return lyapunov.Leading(out, k)
		}}
}

// layerSystem is one mixer's state map. Its JVP is the mixer's own
// (Mixer.StepJVP), run on k copies of the state as a batch of k.
type layerSystem struct {
	mx               *Mixer
	nc, ns           int // conv and SSM values
	st               LayerState
	out, in, ko, kdo []float32
	kconv, kssm      []float32 // k copies of the state
	ktc, ktsm        []float32 // k tangents
}

func newLayerSystem(mx *Mixer) *layerSystem {
	l := &layerSystem{mx: mx, nc: (mx.K - 1) * mx.E, ns: mx.E * mx.N}
	buf := make([]float32, l.nc+l.ns)
	l.st = LayerState{Conv: buf[:l.nc], SSM: buf[l.nc:]}
	l.out = make([]float32, mx.D)
	return l
}

func (l *layerSystem) StateDim() int    { return l.nc + l.ns }
func (l *layerSystem) InputDim() int    { return l.mx.D }
func (l *layerSystem) OutputDim() int   { return l.mx.D }
func (l *layerSystem) ConvMask() []bool { return models.ConvMask([2]int{l.nc, l.ns}) }

func (l *layerSystem) Step(dst, x, u []float32) { l.StepOut(dst, l.out, x, u) }

func (l *layerSystem) StepOut(dst, out, x, u []float32) {
	copy(l.st.Conv, x[:l.nc])
	copy(l.st.SSM, x[l.nc:])
	l.mx.Step(fp32, out, u, l.st, 1)
	copy(dst[:l.nc], l.st.Conv)
	copy(dst[l.nc:], l.st.SSM)
}

func (l *layerSystem) JVP(dst, x, u, vs []float32) {
	n := l.nc + l.ns
	k := len(vs) / n
	scratch.Float32s(&l.kconv, k*l.nc)
	scratch.Float32s(&l.kssm, k*l.ns)
	scratch.Float32s(&l.ktc, k*l.nc)
	scratch.Float32s(&l.ktsm, k*l.ns)
	for b := range k {
		copy(l.kconv[b*l.nc:], x[:l.nc])
		copy(l.kssm[b*l.ns:], x[l.nc:])
		copy(l.ktc[b*l.nc:], vs[b*n:b*n+l.nc])
		copy(l.ktsm[b*l.ns:], vs[b*n+l.nc:(b+1)*n])
	}
	scratch.Tile(&l.in, u, k)
	scratch.Float32s(&l.ko, k*l.mx.D)
	scratch.Float32s(&l.kdo, k*l.mx.D)
	st, tan := LayerState{Conv: l.kconv, SSM: l.kssm}, LayerState{Conv: l.ktc, SSM: l.ktsm}
	l.mx.StepJVP(l.ko, l.kdo, l.in, nil, st, tan, k)
	for b := range k {
		copy(dst[b*n:], l.ktc[b*l.nc:(b+1)*l.nc])
		copy(dst[b*n+l.nc:(b+1)*n], l.ktsm[b*l.ns:(b+1)*l.ns])
	}
}

// stackSystem is the model's stacked recurrence: every layer's state,
// driven by token embeddings, with the logits as output. Its JVP runs the
// blocks' StepJVP on k copies of the state.
type stackSystem struct {
	m       *Model
	st      *State
	n       int
	x, out  []float32
	res, dr []float32
	xs      []float32
}

func newStackSystem(m *Model) *stackSystem {
	s := &stackSystem{m: m, st: m.NewState(1), out: make([]float32, m.Cfg.Vocab)}
	for _, l := range s.st.Layers {
		s.n += len(l.Conv) + len(l.SSM)
	}
	return s
}

func (s *stackSystem) StateDim() int  { return s.n }
func (s *stackSystem) InputDim() int  { return s.m.Cfg.D }
func (s *stackSystem) OutputDim() int { return s.m.Cfg.Vocab }

func (s *stackSystem) ConvMask() []bool {
	var blocks [][2]int
	for _, l := range s.st.Layers {
		blocks = append(blocks, [2]int{len(l.Conv), len(l.SSM)})
	}
	return models.ConvMask(blocks...)
}

// unpackState copies the flat states of k batch rows into st (batch k).
func unpackState(st *State, x []float32, k int) {
	n := len(x) / k
	for b := range k {
		off := b * n
		for _, l := range st.Layers {
			nc, ns := len(l.Conv)/k, len(l.SSM)/k
			copy(l.Conv[b*nc:(b+1)*nc], x[off:off+nc])
			copy(l.SSM[b*ns:(b+1)*ns], x[off+nc:off+nc+ns])
			off += nc + ns
		}
	}
}

func packState(dst []float32, st *State, k int) {
	n := len(dst) / k
	for b := range k {
		off := b * n
		for _, l := range st.Layers {
			nc, ns := len(l.Conv)/k, len(l.SSM)/k
			copy(dst[off:off+nc], l.Conv[b*nc:(b+1)*nc])
			copy(dst[off+nc:off+nc+ns], l.SSM[b*ns:(b+1)*ns])
			off += nc + ns
		}
	}
}

func (s *stackSystem) Step(dst, x, u []float32) { s.StepOut(dst, s.out, x, u) }

func (s *stackSystem) StepOut(dst, out, x, u []float32) {
	unpackState(s.st, x, 1)
	s.x = append(s.x[:0], u...)
	copy(out, s.m.StepEmbedded(fp32, s.x, s.st))
	packState(dst, s.st, 1)
}

func (s *stackSystem) JVP(dst, x, u, vs []float32) {
	k := len(vs) / s.n
	st, tan := s.m.NewState(k), s.m.NewState(k)
	unpackState(st, scratch.Tile(&s.xs, x, k), k)
	unpackState(tan, vs, k)
	scratch.Tile(&s.res, u, k)
	scratch.Float32s(&s.dr, len(s.res))
	clear(s.dr)
	for i, b := range s.m.Layers {
		b.StepJVP(s.res, s.dr, st.Layers[i], tan.Layers[i], k)
	}
	packState(dst, tan, k)
}

// lyapunovDynamics is the registry's Dynamics hook.
func lyapunovDynamics(m lm.Model, tokens []int) models.Dynamics { return dynamics(m.(*Model), tokens) }
