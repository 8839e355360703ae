package paper

import (
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/rnn"
)

// The recurrences the Lyapunov kind measures, as flat float32 state maps
// x_{t+1} = F(x_t, u_t) with an output y_t: metrics/lyapunov's System32
// (Step) and Differentiable32 (JVP, where the model has one), plus StepOut,
// which also returns the step's output. A layer's output cannot be
// recomputed from (x_{t+1}, u_t) as lyapunov.Observed asks (the conv's
// oldest input has left the shift register), so the kind records outputs
// with StepOut in its own paired run (pairRun).
//
// State layouts: a Mamba layer is [conv (K−1)·E | ssm E·N]; a Mamba-2 layer
// [conv (K−1)·C | ssm H·P·N]; a stack is its layers' blocks in order; the
// RNN is h (H). Inputs: a layer takes its normed input (D), a model its
// token embedding (D). Everything runs in fp32.

var fp32 = precision.FP32Policy

// stepper is a recurrence with an output.
type stepper interface {
	StateDim() int
	InputDim() int
	OutputDim() int
	Step(dst, x, u []float32)
	StepOut(dst, out, x, u []float32)
	// ConvMask marks the conv shift-register coordinates (nil: none).
	ConvMask() []bool
}

func repeat(dst, v []float32, k int) []float32 {
	dst = grow(dst, k*len(v))
	for b := range k {
		copy(dst[b*len(v):], v)
	}
	return dst
}

func grow(b []float32, n int) []float32 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float32, n)
}

func convMask(blocks ...[2]int) []bool {
	n := 0
	for _, b := range blocks {
		n += b[0] + b[1]
	}
	m := make([]bool, n)
	off := 0
	for _, b := range blocks {
		for i := range b[0] {
			m[off+i] = true
		}
		off += b[0] + b[1]
	}
	return m
}

// mambaLayer is one Mamba mixer's state map. Its JVP is the mixer's own
// (Mixer.StepJVP), run on k copies of the state as a batch of k.
type mambaLayer struct {
	mx               *mamba.Mixer
	nc, ns           int // conv and SSM values
	st               mamba.LayerState
	out, in, ko, kdo []float32
	kconv, kssm      []float32 // k copies of the state
	ktc, ktsm        []float32 // k tangents
}

func newMambaLayer(mx *mamba.Mixer) *mambaLayer {
	l := &mambaLayer{mx: mx, nc: (mx.K - 1) * mx.E, ns: mx.E * mx.N}
	buf := make([]float32, l.nc+l.ns)
	l.st = mamba.LayerState{Conv: buf[:l.nc], SSM: buf[l.nc:]}
	l.out = make([]float32, mx.D)
	return l
}

func (l *mambaLayer) StateDim() int    { return l.nc + l.ns }
func (l *mambaLayer) InputDim() int    { return l.mx.D }
func (l *mambaLayer) OutputDim() int   { return l.mx.D }
func (l *mambaLayer) ConvMask() []bool { return convMask([2]int{l.nc, l.ns}) }

func (l *mambaLayer) Step(dst, x, u []float32) { l.StepOut(dst, l.out, x, u) }

func (l *mambaLayer) StepOut(dst, out, x, u []float32) {
	copy(l.st.Conv, x[:l.nc])
	copy(l.st.SSM, x[l.nc:])
	l.mx.Step(fp32, out, u, l.st, 1)
	copy(dst[:l.nc], l.st.Conv)
	copy(dst[l.nc:], l.st.SSM)
}

func (l *mambaLayer) JVP(dst, x, u, vs []float32) {
	n := l.nc + l.ns
	k := len(vs) / n
	l.kconv, l.kssm = grow(l.kconv, k*l.nc), grow(l.kssm, k*l.ns)
	l.ktc, l.ktsm = grow(l.ktc, k*l.nc), grow(l.ktsm, k*l.ns)
	for b := range k {
		copy(l.kconv[b*l.nc:], x[:l.nc])
		copy(l.kssm[b*l.ns:], x[l.nc:])
		copy(l.ktc[b*l.nc:], vs[b*n:b*n+l.nc])
		copy(l.ktsm[b*l.ns:], vs[b*n+l.nc:(b+1)*n])
	}
	l.in = repeat(l.in, u, k)
	l.ko, l.kdo = grow(l.ko, k*l.mx.D), grow(l.kdo, k*l.mx.D)
	st, tan := mamba.LayerState{Conv: l.kconv, SSM: l.kssm}, mamba.LayerState{Conv: l.ktc, SSM: l.ktsm}
	l.mx.StepJVP(l.ko, l.kdo, l.in, nil, st, tan, k)
	for b := range k {
		copy(dst[b*n:], l.ktc[b*l.nc:(b+1)*l.nc])
		copy(dst[b*n+l.nc:(b+1)*n], l.ktsm[b*l.ns:(b+1)*l.ns])
	}
}

// mambaStack is a Mamba model's stacked recurrence: every layer's state,
// driven by token embeddings, with the logits as output. Its JVP runs the
// blocks' StepJVP on k copies of the state.
type mambaStack struct {
	m       *mamba.Model
	st      *mamba.State
	n       int
	x, out  []float32
	res, dr []float32
}

func newMambaStack(m *mamba.Model) *mambaStack {
	s := &mambaStack{m: m, st: m.NewState(1), out: make([]float32, m.Cfg.Vocab)}
	for _, l := range s.st.Layers {
		s.n += len(l.Conv) + len(l.SSM)
	}
	return s
}

func (s *mambaStack) StateDim() int  { return s.n }
func (s *mambaStack) InputDim() int  { return s.m.Cfg.D }
func (s *mambaStack) OutputDim() int { return s.m.Cfg.Vocab }

func (s *mambaStack) ConvMask() []bool {
	var blocks [][2]int
	for _, l := range s.st.Layers {
		blocks = append(blocks, [2]int{len(l.Conv), len(l.SSM)})
	}
	return convMask(blocks...)
}

// unpack copies the flat states of k batch rows into st (batch k).
func unpackMamba(st *mamba.State, x []float32, k int) {
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

func packMamba(dst []float32, st *mamba.State, k int) {
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

func (s *mambaStack) Step(dst, x, u []float32) { s.StepOut(dst, s.out, x, u) }

func (s *mambaStack) StepOut(dst, out, x, u []float32) {
	unpackMamba(s.st, x, 1)
	s.x = append(s.x[:0], u...)
	copy(out, s.m.StepEmbedded(fp32, s.x, s.st))
	packMamba(dst, s.st, 1)
}

func (s *mambaStack) JVP(dst, x, u, vs []float32) {
	k := len(vs) / s.n
	st, tan := s.m.NewState(k), s.m.NewState(k)
	unpackMamba(st, repeat(nil, x, k), k)
	unpackMamba(tan, vs, k)
	s.res = repeat(s.res, u, k)
	s.dr = grow(s.dr, len(s.res))
	clear(s.dr)
	for i, b := range s.m.Layers {
		b.StepJVP(s.res, s.dr, st.Layers[i], tan.Layers[i], k)
	}
	packMamba(dst, tan, k)
}

// mamba2Layer is one Mamba-2 mixer's state map (no analytic JVP: QR uses
// finite differences).
type mamba2Layer struct {
	mx             *mamba2.Mixer
	d, nc, ns      int
	conv, ssm, out []float32
}

func newMamba2Layer(m *mamba2.Model, l int) *mamba2Layer {
	return newMamba2MixerLayer(m.Layers[l].Mixer)
}

func newMamba2MixerLayer(mx *mamba2.Mixer) *mamba2Layer {
	c := mx.Config()
	ly := &mamba2Layer{mx: mx, d: c.D, nc: (c.K - 1) * c.ConvDim(), ns: c.H() * c.HeadDim * c.N}
	ly.conv, ly.ssm, ly.out = make([]float32, ly.nc), make([]float32, ly.ns), make([]float32, c.D)
	return ly
}

func (l *mamba2Layer) StateDim() int    { return l.nc + l.ns }
func (l *mamba2Layer) InputDim() int    { return l.d }
func (l *mamba2Layer) OutputDim() int   { return l.d }
func (l *mamba2Layer) ConvMask() []bool { return convMask([2]int{l.nc, l.ns}) }

func (l *mamba2Layer) Step(dst, x, u []float32) { l.StepOut(dst, l.out, x, u) }

func (l *mamba2Layer) StepOut(dst, out, x, u []float32) {
	copy(l.conv, x[:l.nc])
	copy(l.ssm, x[l.nc:])
	l.mx.Step(fp32, out, u, l.conv, l.ssm, 1)
	copy(dst[:l.nc], l.conv)
	copy(dst[l.nc:], l.ssm)
}

// mamba2Stack is a Mamba-2 model's stacked recurrence.
type mamba2Stack struct {
	m      *mamba2.Model
	st     *mamba2.State
	n      int
	x, out []float32
}

func newMamba2Stack(m *mamba2.Model) *mamba2Stack {
	s := &mamba2Stack{m: m, st: m.NewState(1), out: make([]float32, m.Config().Vocab)}
	for l := range s.st.Conv {
		s.n += len(s.st.Conv[l]) + len(s.st.SSM[l])
	}
	return s
}

func (s *mamba2Stack) StateDim() int  { return s.n }
func (s *mamba2Stack) InputDim() int  { return s.m.Config().D }
func (s *mamba2Stack) OutputDim() int { return s.m.Config().Vocab }

func (s *mamba2Stack) ConvMask() []bool {
	var blocks [][2]int
	for l := range s.st.Conv {
		blocks = append(blocks, [2]int{len(s.st.Conv[l]), len(s.st.SSM[l])})
	}
	return convMask(blocks...)
}

func (s *mamba2Stack) Step(dst, x, u []float32) { s.StepOut(dst, s.out, x, u) }

func (s *mamba2Stack) StepOut(dst, out, x, u []float32) {
	off := 0
	for l := range s.st.Conv {
		off += copy(s.st.Conv[l], x[off:])
		off += copy(s.st.SSM[l], x[off:])
	}
	s.x = append(s.x[:0], u...)
	copy(out, s.m.StepEmbedded(fp32, s.st, s.x))
	off = 0
	for l := range s.st.Conv {
		off += copy(dst[off:], s.st.Conv[l])
		off += copy(dst[off:], s.st.SSM[l])
	}
}

// rnnSystem is the tanh RNN control: h_{t+1} = tanh(W h_t + U u_t + b),
// output the logits; JVP = diag(1 − h_{t+1}²) W.
type rnnSystem struct {
	m        *rnn.RNN
	next, kn []float32
}

func (r *rnnSystem) StateDim() int    { return r.m.Cfg.H }
func (r *rnnSystem) InputDim() int    { return r.m.Cfg.D }
func (r *rnnSystem) OutputDim() int   { return r.m.Cfg.Vocab }
func (r *rnnSystem) ConvMask() []bool { return nil }

func (r *rnnSystem) Step(dst, x, u []float32) { r.m.StepEmbedded(fp32, dst, x, u) }

func (r *rnnSystem) StepOut(dst, out, x, u []float32) {
	r.m.StepEmbedded(fp32, dst, x, u)
	r.m.Readout(fp32, out, dst)
}

func (r *rnnSystem) JVP(dst, x, u, vs []float32) {
	r.next = grow(r.next, len(x))
	r.m.StepEmbedded(fp32, r.next, x, u)
	r.kn = repeat(r.kn, r.next, len(vs)/len(x))
	r.m.JVP(dst, r.kn, vs)
}
