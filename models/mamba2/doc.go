// Package mamba2 is the Mamba-2 language model (Dao & Gu 2024, "Transformers
// are SSMs", the SSD layer) as mamba_ssm's Mamba2 and Hugging Face's
// Mamba2ForCausalLM define it (docs/models.md): embeddings, pre-norm residual
// blocks of RMSNorm + Mamba-2 mixer, a final RMSNorm and a tied lm_head.
//
// The mixer of one block, in order:
//
//	zxbcdt = in_proj(u)                            (B, L, 2E+2GN+H), split [z, x, B, C, dt]
//	xBC    = SiLU(conv1d(xBC))                     causal depthwise conv over x, B and C jointly
//	dt     = clamp(softplus(dt + dt_bias), limit)  (B, L, H)
//	A      = −exp(A_log)                           (H): one scalar per head
//	y      = SSD(x, dt, A, B, C) + D·x             h_t = exp(dt_t A) h_{t−1} + dt_t x_t B_tᵀ, y_t = h_t C_t
//	y      = RMSNorm(y ⊙ SiLU(z)) ⊙ w              gated norm, norm_before_gate = False
//	out    = out_proj(y)
//
// Glossary (shape comments use these letters):
//
//	B  batch size                  L  sequence length (T in lm.Model)
//	D  model width (hidden_size)   E  inner width d_inner = expand·D = H·P
//	H  heads (num_heads)           P  head dimension (head_dim)
//	G  groups sharing B and C      N  state size (state_size, paper's N)
//	K  conv width (conv_kernel)    Q  chunk size of the SSD scan (chunk_size)
//	C  conv channels E + 2·G·N     V  vocabulary size
//
// Heads are consecutive within a group: head h reads group h / (H/G), as
// HF's repeat_interleave and mamba_ssm's kernels do. The state of head h is
// a (P, N) matrix.
//
// The scan. SeqScan is the sequential recurrence above, serial: the
// specification. Two production kernels match it and keep the same
// checkpoints, the state at every chunk start (B, H, ⌈L/Q⌉+1, P, N):
// ChunkScan, the chunked SSD algorithm (intra-chunk quadratic term with
// segment decays, chunk states, the inter-chunk recurrence, state to
// output) built on tensor's Gemm, and RecScan, the recurrence in parallel
// over heads. Each has a hand-written backward pass (ChunkScanBackward
// transposes the chunk's matrix products; RecScanBackward recomputes a
// chunk's states from its checkpoint); all are tested against SeqScan and
// finite differences for chunk sizes that do and do not divide L. The model
// runs ChunkScan unless SetScan(Recurrent) is called. ChunkScan handles a
// last chunk shorter than Q directly; HF pads the sequence with zeros to a
// multiple of chunk_size instead, which leaves the outputs of real positions
// unchanged (zero inputs add nothing and exp(0·A) = 1 carries the state).
// Segment decays exp(Σ dt·A) are formed as running products of the per-step
// factors exp(dt_t A_h) ≤ 1, which cannot overflow and differ from HF's
// exp(segsum) only by float32 rounding.
//
// Gated norm. HF's torch path normalises y ⊙ SiLU(z) over the whole inner
// width E; mamba_ssm normalises each of the G groups of E/G channels
// separately. They agree for G = 1 (every published checkpoint). This
// package follows HF for every G, so HF checkpoints with G > 1 reproduce HF's
// outputs; a mamba_ssm-trained model with G > 1 would differ.
//
// Precision (docs/precision.md; HF torch_forward under torch.autocast):
// in_proj, conv1d, out_proj and lm_head round their operands and outputs to
// the 16-bit type; the conv's SiLU output is rounded; softplus(dt + dt_bias),
// exp(dt·A), the scan state, A, D and the D skip are float32 (the scan takes
// the 16-bit x, B, C and dt it is given); the gated norm, including its
// SiLU(z), is float32 as in HF's MambaRMSNormGated; the residual stream is
// float32. Under the -pure policies the block norm's input is rounded too
// (HF casts it to the norm weight's type).
//
// Lyapunov exponents. For a fixed input the state Jacobian of head h is
// exp(dt_t A_h)·I, so every one of its P·N exponents equals
// A_h · mean_t dt_t (Theorem 1 of 2406.00209, scalar-A case);
// metrics/lyapunov.ScalarSpectrum computes them from a layer's step sizes
// (Model.DT) and A (Model.A, the one place A = −exp(A_log) is formed).
//
// Checkpoints and the registry: register.go adds "mamba2" to the models
// registry (which hands its Load and Save, in hf.go, to models/hf).
//
// Imports: nn, tensor, precision, lm, hf, models. Not lora.
package mamba2
