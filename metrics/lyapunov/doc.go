// Package lyapunov computes Lyapunov exponents of input-driven recurrences:
// the closed-form spectra of Mamba and Mamba-2 layers, and the Benettin/QR
// spectrum and its direct-simulation check for any recurrence that
// implements System (docs/metrics.md defines each).
//
// Glossary (Mamba dimensions and the paper's symbols): B batch, T sequence
// length, E inner width (d_inner), N state size (d_state); A[d,n] < 0 the
// diagonal state matrix, delta[t,d] = softplus(.) > 0 the step size. For the
// generic recurrences: n the state dimension, k the number of exponents.
// Exponents are per step (dt = 1, one step per token), natural log.
//
// It declares the interfaces it needs from models (System, Differentiable,
// Observed and their float32 twins) and imports no model package.
package lyapunov
