// Package nn holds ssmlab's layers, each an explicit Forward and Backward
// side by side (llm.c style, no hidden tape): Linear, Embedding, RMSNorm,
// LayerNorm, depthwise causal Conv1d, SiLU, exact GELU, Softplus and
// cross-entropy with Hugging Face's shifted labels.
//
// Conventions. Activations are row-major []float32 slices with explicit
// dimensions: n rows of width d, or (B, L, E) for sequence tensors with the
// channel last. Gradient arguments start with d. Backward writes activation
// gradients (dx) and accumulates (+=) parameter gradients, so a parameter
// shared by two layers (a tied embedding and lm_head) sums both.
//
// Precision. Linear and Conv1d take a precision.Policy: under fp16/bf16 they
// round their operands, accumulate in float32 and round their result, as
// PyTorch autocast does (docs/precision.md). Norms, softplus and the loss
// compute in float32 whatever they are given. Models call Policy.Act at the
// other points where autocast holds a 16-bit tensor.
//
// Every Backward is checked against central finite differences (nntest).
// nn imports tensor and precision only.
package nn
