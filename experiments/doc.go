// Package experiments runs experiment files: it registers the kinds that
// execute trials and the builders of shared artifacts (pretrained bases),
// loads files through experiments/config, and runs the selected trials of
// a sweep resumably and shard by shard into results/ (layout in
// experiments/store). Each trial gets a Context: its resolved config, its
// directory, a JSON-lines log, progress, checkpoints, a seed, the summary
// writer and the artifact cache. SCHEMA.md documents the file format and
// the Kind contract. It writes only under results/ and never imports plots.
package experiments
