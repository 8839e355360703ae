// Package paper holds the experiment kinds that reproduce the paper's
// results (configs/README.md) and the shared artifacts they build: pretrained
// base models and fine-tuned models. Each kind registers itself with the
// experiments runner; cmd/ssmlab imports this package so the binary knows
// them. Kinds read settings from the trial config, build or load models,
// train and evaluate them, and write summary.json for plots.
//
// It imports models, datasets and metrics; the experiments core (runner,
// store) imports none of them, and config only the architecture registry.
package paper
