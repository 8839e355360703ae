// Package hf loads and saves Hugging Face model directories (config.json plus
// model.safetensors or a sharded model.safetensors.index.json) for every
// architecture of the harness. Each architecture's registry entry
// (models.Register, in its own package) says how its config.json maps to
// its Go config and how to build and save the model; the weight
// loading here is shared: names matched exactly (with declared aliases such
// as mamba_ssm's legacy "backbone.embedding."), shapes checked, F16/BF16
// converted to float32, tied weights allowed to be absent, and every missing
// or unexpected tensor reported as an error naming the file.
package hf
