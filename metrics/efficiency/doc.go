// Package efficiency measures the paper's efficiency figures (Fig. 2;
// docs/metrics.md): tokens per second over steady-state training or
// inference steps, and peak bytes per token, both from the Go runtime's
// heap and from explicit tensor accounting that model code feeds. It imports no model
// package: models receive a *Counter, or nothing.
package efficiency
