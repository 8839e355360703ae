// Package metrics computes what the paper measures: ICL accuracy and gain,
// precision divergence, Lyapunov exponents (exact, perturbation growth,
// Benettin/QR) and efficiency. It declares the small interfaces it needs
// from models and imports no model package.
package metrics
