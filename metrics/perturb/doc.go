// Package perturb measures how a perturbation of a model's state and inputs
// grows or decays: the empirical side of Theorem 1 of arXiv 2406.00209,
// max|F^N(x, u) - F^N(x + eps, u + eps)| in O(eps exp(N zeta)). It runs any
// lyapunov.System twice (reference and perturbed), records the state and
// output deviations per step, fits their exponential rate, and checks them
// against the bound eps*exp(N*zeta). For models without a fixed-size state
// (Transformers) it records the output deviation per position instead, the
// comparable statistic (docs/metrics.md) for a model with no state to
// perturb. RunMulti32 runs float32 steppers with outputs under several
// perturbations at once, including noise at every step (InputAll), and
// AccumulatedBound is the bound such noise accumulates to.
//
// It imports metrics/lyapunov for the System interfaces and no model package.
package perturb
