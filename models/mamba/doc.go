// Package mamba is the Mamba (v1) language model exactly as mamba_ssm defines
// it (Gu & Dao 2023, Alg. 2; state-spaces/mamba modules/mamba_simple.py and
// ops/selective_scan_interface.py): embedding, a stack of pre-norm residual
// blocks x ← x + Mixer(RMSNorm(x)), a final RMSNorm and a tied lm_head.
//
// Glossary (dimension letters in shape comments):
//
//	B  batch size
//	L  sequence length (T in lm.Model's signature)
//	D  model width, hidden_size / d_model
//	E  inner width, intermediate_size = expand·D
//	N  SSM state size, state_size / d_state
//	R  rank of the step-size projection, time_step_rank / dt_rank
//	V  vocabulary size
//	K  causal convolution width, conv_kernel / d_conv
//
// Activations are channel-last (B, L, ·) float32 slices; Linear weights are
// (out, in) as in PyTorch and Hugging Face. Forward and Backward are written
// by hand (llm.c style); the selective scan has a plain reference (scanRef)
// and the fused, parallel kernel the model uses, whose backward recomputes
// the states per channel block instead of storing (B, L, E, N).
//
// Precision (docs/precision.md): in_proj, conv1d, x_proj,
// dt_proj, out_proj and lm_head are autocast (operands and results on the
// 16-bit grid); SiLU after the conv rounds its output; inside the scan the dt
// bias, softplus, exp(ΔA), the state h, C·h, D·u and the SiLU(z) gate run in
// fp32 and only the output is rounded (the CUDA kernel's behaviour; HF's slow
// path instead casts h to the activation dtype before the C product); the
// residual stream and RMSNorm stay fp32. Backward rounds the gradients of
// 16-bit tensors and accumulates parameter gradients in fp32. A "-pure"
// policy changes nothing here: keeping the weights on the 16-bit grid is the
// job of whoever stores them.
//
// Besides lm.Model the package offers what the Lyapunov metrics need: the
// step sizes Δ (B, L, E) of every layer along the last Forward (Deltas) and
// each layer's A = −exp(A_log) (E, N); a recurrent Step API with explicit
// per-layer states (conv shift register and SSM state) that agrees with the
// parallel forward; Continue, which runs many tokens from such a state as
// one matrix-product pass (scoring choices after a shared context); and StepJVP, the Jacobian-vector product of the stacked
// one-token map with respect to all states (and the input embedding).
//
// Checkpoints: the package registers "mamba" with the models registry
// (register.go), which hands its loader to models/hf, so
// hf.Load reads HF Mamba directories (and plain mamba_ssm ones), and Save
// writes a directory HF transformers loads. It must not import models/lora.
package mamba
