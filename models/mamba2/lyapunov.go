package mamba2

import (
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// DT returns layer l's step sizes dt (B, L, H) of the last Forward (after
// softplus, dt_bias and the time-step limit). The slice is the model's
// buffer: copy it to keep it past the next Forward.
func (m *Model) DT(l int) []float32 { return m.Layers[l].Mixer.DT() }

// A returns layer l's per-head A = −exp(A_log) (H), computed now.
func (m *Model) A(l int) []float32 { return m.Layers[l].Mixer.A() }

// The Lyapunov study's hooks (models.Arch.Dynamics): a Mamba-2 model along
// a token sequence as per-layer recurrences and one stacked recurrence, in
// fp32. A layer's state is [conv (K−1)·C | ssm H·P·N]; the stack's is its
// layers' in order. Neither has an analytic JVP: the study's QR takes
// finite differences.

// lyapunovDynamics is the registry's Dynamics hook: a forward pass for the
// step sizes dt, then StepEmbedded's blocks token by token, keeping each
// mixer's input.
func lyapunovDynamics(lmm lm.Model, tokens []int) models.Dynamics {
	m := lmm.(*Model)
	D := m.cfg.D
	m.Forward(precision.FP32Policy, tokens, 1, len(tokens))
	d := models.Dynamics{Model: newStackSystem(m)}
	for _, b := range m.Layers {
		d.Layers = append(d.Layers, b.Mixer.LyapunovUnit(nil))
	}
	st := m.NewState(1)
	res, normed, out, rstd := make([]float32, D), make([]float32, D), make([]float32, D), make([]float32, 1)
	for _, id := range tokens {
		m.Embed.Forward(res, []int{id})
		for l, b := range m.Layers {
			b.Norm.Forward(normed, rstd, res, 1)
			d.Layers[l].Inputs = append(d.Layers[l].Inputs, append([]float32(nil), normed...))
			b.Mixer.Step(precision.FP32Policy, out, normed, st.Conv[l], st.SSM[l], 1)
			tensor.AddTo(res, out)
		}
	}
	return d
}

// ExactSpectrum returns the mixer's exact Lyapunov spectrum along each of
// the B sequences of T tokens of its last Forward: one exponent per head,
// λ[b,h] = A_h·mean_t dt[b,t,h] (lyapunov.ScalarSpectrum), shape [H] per
// sequence (each is the exponent of all head_dim·N entries of its head).
// layer is its index in the model.
func (x *Mixer) ExactSpectrum(layer, B, T int) models.Spectrum {
	H := x.cfg.H()
	lam, maxes := lyapunov.ScalarSpectrum(x.DT(), x.A(), B, T, H)
	return models.Spectrum{Layer: layer, Shape: []int{H}, Exponents: lam, Max: maxes}
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
// inputs (T, D), with the step sizes dt of its last Forward (copied now).
// Every one of head h's P·N state entries has the exponent A_h·mean dt_h
// (lyapunov.ScalarSpectrum); the spectrum lists each up to k times.
func (x *Mixer) LyapunovUnit(inputs [][]float32) models.LayerUnit {
	c, dt, a := x.cfg, append([]float32(nil), x.DT()...), x.A()
	return models.LayerUnit{System: newLayerSystem(x), Inputs: inputs,
		Spectrum: func(from, to, k int) []float64 {
			H := c.H()
			lam, _ := lyapunov.ScalarSpectrum(dt[from*H:to*H], a, 1, to-from, H)
			var out []float64
			for _, v := range lam {
				for range min(k, c.HeadDim*c.N) {
					out = append(out, float64(v))
				}
			}
			return lyapunov.Leading(out, k)
		}}
}

// layerSystem is one mixer's state map.
type layerSystem struct {
	mx             *Mixer
	d, nc, ns      int
	conv, ssm, out []float32
}

func newLayerSystem(mx *Mixer) *layerSystem {
	c := mx.Config()
	ly := &layerSystem{mx: mx, d: c.D, nc: (c.K - 1) * c.ConvDim(), ns: c.H() * c.HeadDim * c.N}
	ly.conv, ly.ssm, ly.out = make([]float32, ly.nc), make([]float32, ly.ns), make([]float32, c.D)
	return ly
}

func (l *layerSystem) StateDim() int    { return l.nc + l.ns }
func (l *layerSystem) InputDim() int    { return l.d }
func (l *layerSystem) OutputDim() int   { return l.d }
func (l *layerSystem) ConvMask() []bool { return models.ConvMask([2]int{l.nc, l.ns}) }

func (l *layerSystem) Step(dst, x, u []float32) { l.StepOut(dst, l.out, x, u) }

func (l *layerSystem) StepOut(dst, out, x, u []float32) {
	copy(l.conv, x[:l.nc])
	copy(l.ssm, x[l.nc:])
	l.mx.Step(precision.FP32Policy, out, u, l.conv, l.ssm, 1)
	copy(dst[:l.nc], l.conv)
	copy(dst[l.nc:], l.ssm)
}

// stackSystem is the model's stacked recurrence, driven by token
// embeddings, with the logits as output.
type stackSystem struct {
	m      *Model
	st     *State
	n      int
	x, out []float32
}

func newStackSystem(m *Model) *stackSystem {
	s := &stackSystem{m: m, st: m.NewState(1), out: make([]float32, m.cfg.Vocab)}
	for l := range s.st.Conv {
		s.n += len(s.st.Conv[l]) + len(s.st.SSM[l])
	}
	return s
}

func (s *stackSystem) StateDim() int  { return s.n }
func (s *stackSystem) InputDim() int  { return s.m.cfg.D }
func (s *stackSystem) OutputDim() int { return s.m.cfg.Vocab }

func (s *stackSystem) ConvMask() []bool {
	var blocks [][2]int
	for l := range s.st.Conv {
		blocks = append(blocks, [2]int{len(s.st.Conv[l]), len(s.st.SSM[l])})
	}
	return models.ConvMask(blocks...)
}

func (s *stackSystem) Step(dst, x, u []float32) { s.StepOut(dst, s.out, x, u) }

func (s *stackSystem) StepOut(dst, out, x, u []float32) {
	off := 0
	for l := range s.st.Conv {
		off += copy(s.st.Conv[l], x[off:])
		off += copy(s.st.SSM[l], x[off:])
	}
	s.x = append(s.x[:0], u...)
	copy(out, s.m.StepEmbedded(precision.FP32Policy, s.st, s.x))
	off = 0
	for l := range s.st.Conv {
		off += copy(dst[off:], s.st.Conv[l])
		off += copy(dst[off:], s.st.SSM[l])
	}
}
