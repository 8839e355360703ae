// Package lora adds LoRA adapters (Hu et al. 2021) to any model of the
// harness by module name: W_eff = W + (alpha/r)·B·A on a Linear, and PEFT's
// lora_embedding_A/B on an Embedding, with the base weights frozen. It reads
// and writes PEFT adapter directories (adapter_config.json and
// adapter_model.safetensors with PEFT's tensor names), merges and unmerges.
//
// Every declared target is applied: a target that names no linear or
// embedding of the model is an error (PEFT skips some silently, and HF's
// fused Mamba path bypasses x_proj/dt_proj/out_proj adapters; docs/models.md).
// Unsupported PEFT options (DoRA, bias training, modules_to_save, layer
// selection, ...) are errors rather than silently different math.
//
// Under a 16-bit policy the adapter computes as PEFT under autocast:
// lora_B(lora_A(x)) with half linears, times the scale, added to the half
// output. lora imports nn, lm, precision, tensor and safetensors; it never
// imports a model package.
package lora
