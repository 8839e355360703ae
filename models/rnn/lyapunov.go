package rnn

import (
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/precision"
)

// lyapunovSystem is the RNN as the Lyapunov study measures it (the
// registry's Dynamics hook: one recurrence, no layer units, no exact
// spectrum): h_{t+1} = tanh(W h_t + U u_t + b) driven by the token
// embeddings, output the logits, in fp32; JVP = diag(1 − h_{t+1}²) W.
type lyapunovSystem struct {
	m        *RNN
	next, kn []float32
}

func (r *lyapunovSystem) StateDim() int    { return r.m.Cfg.H }
func (r *lyapunovSystem) InputDim() int    { return r.m.Cfg.D }
func (r *lyapunovSystem) OutputDim() int   { return r.m.Cfg.Vocab }
func (r *lyapunovSystem) ConvMask() []bool { return nil }

func (r *lyapunovSystem) Step(dst, x, u []float32) {
	r.m.StepEmbedded(precision.FP32Policy, dst, x, u)
}

func (r *lyapunovSystem) StepOut(dst, out, x, u []float32) {
	r.m.StepEmbedded(precision.FP32Policy, dst, x, u)
	r.m.Readout(precision.FP32Policy, out, dst)
}

func (r *lyapunovSystem) JVP(dst, x, u, vs []float32) {
	scratch.Float32s(&r.next, len(x))
	r.m.StepEmbedded(precision.FP32Policy, r.next, x, u)
	scratch.Tile(&r.kn, r.next, len(vs)/len(x))
	r.m.JVP(dst, r.kn, vs)
}
