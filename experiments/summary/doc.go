// Package summary defines the summary.json schema of every paper experiment
// kind: the kinds (experiments/paper) write these types and the figures and
// report (plots/report) read them back, so writer and reader share one
// definition. It is a leaf package: it imports nothing from ssmlab, so plots
// can use it without importing any model code.
package summary
