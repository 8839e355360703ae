// Package summary defines the summary.json schema of every paper experiment
// kind: the kinds (experiments/paper) write these types and the figures and
// report (plots/report) read them back, so writer and reader share one
// definition. It imports nothing from ssmlab but internal/jsonnum and
// metrics/stats, so plots can use it without importing any model code.
package summary
