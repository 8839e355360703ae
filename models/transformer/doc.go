// Package transformer holds the Transformer baselines of the harness:
// GPT-NeoX (the Pythia architecture) and Llama (with OLMo v1 as a Llama
// variant: parameter-free LayerNorm, clip_qkv), with hand-written Forward and
// Backward, an inference pass without a training tape (Infer, InferAt,
// Prefill: infer.go), an incremental decoder with a KV cache, and from-scratch
// initialisation as Hugging Face does it. Both models run one stack code
// (embedding, layers, final norm, head: stack.go) over their own layer
// types. GPT-NeoX, Llama and OLMo register themselves with the models
// registry (register.go); their config.json mappings are in hf_gpt_neox.go,
// hf_llama.go and hf_olmo.go. It imports nn, tensor, precision, lm, hf and
// models.
//
// Glossary (shape comments use these letters):
//
//	B    batch                     T   sequence length (positions)
//	D    model width (hidden_size) V   vocabulary size
//	nH   query heads               nKV key/value heads (GQA; nKV = nH for GPT-NeoX)
//	hd   head dim                  I   MLP width (intermediate_size)
//	R    rotary dims per head (head_dim·partial_rotary_factor, even)
//	S    KV rows held per (batch, kv head): T in a full forward, the cache
//	     capacity when decoding
//
// Attention follows HF's eager path (eager_attention_forward in
// modeling_gpt_neox.py / modeling_llama.py): scores = (q·kᵀ)·hd^-1/2, causal
// mask, softmax in fp32, probabilities·v. Activations of the attention core
// are head-major, (B, nH, T, hd), so each (batch, head) is one contiguous
// matrix for the matrix products.
//
// Precision (docs/precision.md; what autocast does to HF's code):
//   - every Linear and both attention products run in the 16-bit type:
//     operands rounded, fp32 accumulation, result rounded;
//   - rotary runs in fp32 on the 16-bit q, k (HF multiplies them by fp32
//     cos/sin, which promotes to fp32); the result is rounded only as an
//     operand of q·kᵀ;
//   - scores are rounded after the product and again after the scaling (a
//     16-bit tensor times a Python float); softmax is fp32 and its output is
//     rounded as the operand of probabilities·v;
//   - LayerNorm/RMSNorm compute in fp32 and, under AMP, return fp32;
//     GELU, SiLU and the SwiGLU product round their outputs; the residual
//     stream stays fp32 (x + a 16-bit branch is an fp32 tensor).
//   - the -pure policies (16-bit weights) also round the residual stream,
//     norm outputs and cos/sin, as a model cast to half would.
//
// Gradients follow the same points: the gradient reaching a 16-bit tensor is
// rounded, parameter gradients accumulate in fp32.
package transformer
