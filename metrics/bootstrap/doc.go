// Package bootstrap computes percentile bootstrap confidence intervals for
// statistics of evaluation results that vary over items (questions, possibly
// grouped in tasks) and over seeds (independent training runs). A design is
// crossed (one item draw for every seed) or nested, the hierarchical
// bootstrap: seeds resampled, then items within each drawn seed.
// Resampling is deterministic in a seed. It imports no model package.
package bootstrap
