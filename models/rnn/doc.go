// Package rnn is the unstable control of the Lyapunov experiments: a vanilla
// tanh recurrent language model
//
//	x_t = E[id_t],  h_t = tanh(W h_{t−1} + U x_t + b),  logits_t = V h_t + c,
//
// with h_0 = 0 and W drawn Gaussian, then scaled to a chosen spectral radius
// ρ. With ρ > 1 (and moderate input drive) the recurrence is chaotic and its
// largest Lyapunov exponent is positive; with ρ < 1 it is contracting. It
// implements lm.Model (so it trains and is served like the other models) and
// exposes the recurrence itself, Step and the state Jacobian-vector product
// JVP (J_t v = diag(1 − h_t²) W v), for the Lyapunov metrics.
//
// Glossary: B batch, T length, V vocab, D embedding width, H state size.
// rnn imports nn, tensor, precision and lm only.
package rnn
