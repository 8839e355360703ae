package rnn

import (
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// StateSize is H, the length of one sequence's state.
func (m *RNN) StateSize() int { return m.Cfg.H }

// Step advances B = len(ids) sequences by one token: next = tanh(W h + U
// E[id] + b), with h and next (B, H). It is the recurrence Forward runs and
// leaves Forward's activations alone.
func (m *RNN) Step(pol precision.Policy, next, h []float32, ids []int) {
	x := make([]float32, len(ids)*m.Cfg.D)
	m.Embed.Forward(x, ids)
	m.StepEmbedded(pol, next, h, x)
}

// StepEmbedded is Step from given input embeddings x (B, D) in place of
// the token lookup: the entry point for perturbing inputs.
func (m *RNN) StepEmbedded(pol precision.Policy, next, h, x []float32) {
	B := len(x) / m.Cfg.D
	ux := make([]float32, B*m.Cfg.H)
	m.In.Forward(pol, ux, x, B)
	m.advance(pol, next, h, ux, B)
}

// JVP writes dst = J v = diag(1 − next²) W v for each of the B rows, where
// next = Step(h) is the state after the step: the Jacobian d next / d h
// applied to v, in fp32 (the metrics' tangent dynamics).
func (m *RNN) JVP(dst, next, v []float32) {
	H := m.Cfg.H
	B := len(v) / H
	tensor.MatMulT(dst, v, m.Rec.W.Value.Data, B, H, H, false)
	for i, h := range next {
		dst[i] *= 1 - h*h
	}
}

// Readout writes the logits (B, V) of states h (B, H).
func (m *RNN) Readout(pol precision.Policy, logits, h []float32) {
	m.Head.Forward(pol, logits, h, len(h)/m.Cfg.H)
}
