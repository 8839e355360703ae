// Package bootstrap computes percentile bootstrap confidence intervals for
// statistics of evaluation results that vary over items (questions, possibly
// grouped in tasks) and over seeds (independent training runs). Resampling is
// deterministic in a seed. It imports no model package.
package bootstrap
