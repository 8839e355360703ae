// Package testsys holds the small dynamical systems the metrics tests run:
// linear maps with known eigenvalues, a vanilla tanh RNN with a chosen
// spectral radius, a Mamba-like selective diagonal layer and a stack of two,
// and a one-head causal attention. They satisfy the metrics interfaces
// structurally, as the real models will. They are test fixtures, not the
// harness's models, and import no model package.
package testsys
