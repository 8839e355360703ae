// Package experiments turns TOML experiment files into trials and runs them:
// strict config loading (unknown keys are errors with a did-you-mean),
// presets with overrides, sweep expansion into trials with stable keys, the
// resumable, shardable runner, and one file per experiment kind (lyapunov,
// mpdiv, finetune, icl, efficiency). It writes results/ and reads nothing
// from plots or paper.
package experiments
