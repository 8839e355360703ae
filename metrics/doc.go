// Package metrics is the home of what the paper measures; the work is in its
// subpackages:
//
//	lyapunov    exact Mamba spectrum lambda = A * mean_t delta, Benettin/QR and
//	            direct-simulation exponents of any recurrence (System)
//	perturb     growth of state/input perturbations, rate fits, the Theorem 1
//	            bound eps*exp(N*zeta), output deviation of stateless models
//	divergence  fp32-vs-fp16/bf16 accuracy and logit divergence
//	icl         accuracy per shot count, ICL gain and ratio, their intervals
//	bootstrap   percentile bootstrap over items and seeds
//	efficiency  tokens/s and peak bytes per token of training/inference steps
//
// metrics imports no model package. It declares the small interfaces it needs
// (lyapunov.System, lyapunov.Differentiable, lyapunov.Observed and their
// float32 twins; perturb.SequenceModel), and models satisfy them without
// importing metrics. Data flows datasets -> models -> experiments -> results;
// experiments wire models to these functions.
package metrics
