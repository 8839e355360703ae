package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
)

// GPTNeoXConfig holds what a GPT-NeoX model needs; models/hf maps HF's
// config.json onto it (DefaultGPTNeoXConfig gives HF's defaults for absent keys).
type GPTNeoXConfig struct {
	Vocab, D, Layers, Heads int
	I                       int     // intermediate_size
	RotaryPct               float64 // partial_rotary_factor (older: rotary_pct)
	RopeTheta               float64 // rope_theta (older: rotary_emb_base)
	NormEps                 float64 // layer_norm_eps
	ParallelResidual        bool    // use_parallel_residual
	Bias                    bool    // attention_bias: biases of query_key_value and dense
	Tied                    bool    // tie_word_embeddings: embed_out shares embed_in
	InitRange               float64 // initializer_range
	MaxPos                  int     // max_position_embeddings (informational; rotary has no limit)
}

// DefaultGPTNeoXConfig returns HF GPTNeoXConfig's defaults for the non-size keys,
// with I = 4·D.
func DefaultGPTNeoXConfig(vocab, d, layers, heads int) GPTNeoXConfig {
	return GPTNeoXConfig{Vocab: vocab, D: d, Layers: layers, Heads: heads, I: 4 * d,
		RotaryPct: 0.25, RopeTheta: 10000, NormEps: 1e-5, ParallelResidual: true, Bias: true,
		InitRange: 0.02, MaxPos: 2048}
}

// HeadDim is D / Heads.
func (c GPTNeoXConfig) HeadDim() int { return c.D / c.Heads }

// RotaryDim is int(head_dim·rotary_pct), as HF truncates it.
func (c GPTNeoXConfig) RotaryDim() int { return int(float64(c.HeadDim()) * c.RotaryPct) }

// Validate reports the first impossible setting.
func (c GPTNeoXConfig) Validate() error {
	if err := positive("vocab_size", c.Vocab, "hidden_size", c.D, "num_hidden_layers", c.Layers,
		"num_attention_heads", c.Heads, "intermediate_size", c.I); err != nil {
		return err
	}
	if err := lm.CheckParams("gpt_neox", c.Footprint().Params); err != nil {
		return err
	}
	if c.D%c.Heads != 0 {
		return fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d", c.D, c.Heads)
	}
	if c.RotaryPct < 0 || c.RotaryPct > 1 {
		return fmt.Errorf("partial_rotary_factor %v is outside [0, 1]", c.RotaryPct)
	}
	if c.RotaryDim()%2 != 0 {
		return fmt.Errorf("rotary dims head_dim·partial_rotary_factor = %d must be even", c.RotaryDim())
	}
	return checkRope(c.RopeTheta, c.NormEps)
}

// LlamaConfig holds what a Llama model needs; models/hf maps HF's config.json
// onto it.
type LlamaConfig struct {
	Vocab, D, Layers, Heads int
	KVHeads                 int     // num_key_value_heads (GQA); = Heads for multi-head attention
	HeadDim                 int     // head_dim (older configs: hidden_size / heads)
	I                       int     // intermediate_size
	RopeTheta               float64 // rope_theta
	NormEps                 float64 // rms_norm_eps
	AttnBias, MLPBias       bool    // attention_bias, mlp_bias
	Tied                    bool    // tie_word_embeddings: lm_head shares embed_tokens
	PadID                   int     // pad_token_id, or -1: that embedding row gets no gradient
	InitRange               float64 // initializer_range
	MaxPos                  int     // max_position_embeddings (informational)

	// OLMo v1 (HF model_type "olmo") is this stack with two changes:
	// LayerNorm without weight or bias in place of RMSNorm (eps 1e-5), and
	// q, k, v clamped to [-ClipQKV, ClipQKV] after their projections.
	OLMo          bool    // Arch() is "olmo"
	ParamFreeNorm bool    // OlmoLayerNorm: no norm parameters
	ClipQKV       float64 // clip_qkv; 0 = off
}

// DefaultOLMoConfig returns HF OlmoConfig's defaults for the non-size keys:
// Llama's stack with a parameter-free LayerNorm (eps 1e-5), untied head,
// no clipping, I = 3·D (callers set intermediate_size).
func DefaultOLMoConfig(vocab, d, layers, heads int) LlamaConfig {
	c := DefaultLlamaConfig(vocab, d, layers, heads)
	c.OLMo, c.ParamFreeNorm, c.NormEps = true, true, 1e-5
	c.PadID = 1
	return c
}

func (c LlamaConfig) arch() string {
	if c.OLMo {
		return "olmo"
	}
	return "llama"
}

// DefaultLlamaConfig returns HF LlamaConfig's defaults for the non-size keys, with
// multi-head attention (KVHeads = Heads) and I = 3·D. (HF's defaults for keys
// absent from a config.json are in models/hf.)
func DefaultLlamaConfig(vocab, d, layers, heads int) LlamaConfig {
	return LlamaConfig{Vocab: vocab, D: d, Layers: layers, Heads: heads, KVHeads: heads,
		HeadDim: d / max(heads, 1), I: 3 * d, RopeTheta: 10000, NormEps: 1e-6,
		PadID: -1, InitRange: 0.02, MaxPos: 2048}
}

// Validate reports the first impossible setting.
func (c LlamaConfig) Validate() error {
	if err := positive("vocab_size", c.Vocab, "hidden_size", c.D, "num_hidden_layers", c.Layers,
		"num_attention_heads", c.Heads, "num_key_value_heads", c.KVHeads, "head_dim", c.HeadDim,
		"intermediate_size", c.I); err != nil {
		return err
	}
	if err := lm.CheckParams("llama", c.Footprint().Params); err != nil {
		return err
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("head_dim %d must be even for rotary embeddings", c.HeadDim)
	}
	if c.ClipQKV < 0 {
		return fmt.Errorf("clip_qkv must be positive, have %v", c.ClipQKV)
	}
	if c.PadID >= c.Vocab {
		return fmt.Errorf("pad_token_id %d is outside the vocabulary [0, %d)", c.PadID, c.Vocab)
	}
	return checkRope(c.RopeTheta, c.NormEps)
}

func positive(kv ...any) error {
	for i := 0; i < len(kv); i += 2 {
		if v := kv[i+1].(int); v <= 0 {
			return fmt.Errorf("%s must be positive, have %d", kv[i], v)
		}
	}
	return nil
}

func checkRope(theta, eps float64) error {
	if !(theta > 0) {
		return fmt.Errorf("rope_theta must be positive, have %v", theta)
	}
	if !(eps > 0) {
		return fmt.Errorf("norm epsilon must be positive, have %v", eps)
	}
	return nil
}

// Footprint implements the memory estimate of a GPT-NeoX model from the
// config alone (float64, so absurd sizes cannot overflow). Per token per
// layer a training step keeps the layer input, both layer norms, q, k, v
// and their rotated copies, the attention output and dense's (10D), and the
// MLP's input and GELU (2I); attention probabilities are recomputed in
// Backward, so nothing grows with L². Plus the logits and their gradient
// (2V) and the embedding (D).
func (c GPTNeoXConfig) Footprint() lm.Footprint {
	D, I, V, L := float64(c.D), float64(c.I), float64(c.Vocab), float64(c.Layers)
	layer := 4*D + 4*D*D + 2*D*I + I + D // two norms, qkv + dense, MLP, MLP biases
	if c.Bias {
		layer += 4 * D
	}
	p := V*D + L*layer + 2*D
	if !c.Tied {
		p += V * D
	}
	// qkv, dense, the MLP and the head; q·kᵀ and p·v
	// Infer: one layer's values, the logits and every layer's keys and values
	return lm.Footprint{Params: p, PerToken: L*(10*D+2*I) + 2*V + D, InferPerToken: 10*D + 2*I + V + D + 2*L*D, Flops: 2*L*(4*D*D+2*D*I) + 2*V*D, Attn: 2 * L * D}
}

// Footprint implements the memory estimate of a Llama model from the
// config alone, as GPTNeoXConfig.Footprint does: per token per layer the
// input, two norms, q, k, v (with grouped K/V heads), rotated q and k, the
// attention and o_proj outputs, and the MLP's gate, up, their product and
// its SiLU (4I).
func (c LlamaConfig) Footprint() lm.Footprint {
	D, I, V, L := float64(c.D), float64(c.I), float64(c.Vocab), float64(c.Layers)
	q := float64(c.Heads) * float64(c.HeadDim)
	kv := float64(c.KVHeads) * float64(c.HeadDim)
	norms := D // each norm's weight; OLMo's LayerNorm has none
	if c.ParamFreeNorm {
		norms = 0
	}
	layer := 2*norms + D*(q+2*kv) + q*D + 3*D*I
	if c.AttnBias {
		layer += q + 2*kv + D
	}
	if c.MLPBias {
		layer += 2*I + D
	}
	p := V*D + L*layer + norms
	if !c.Tied {
		p += V * D
	}
	// q, k, v, o, gate, up, down and the head; q·kᵀ and p·v
	return lm.Footprint{Params: p, PerToken: L*(5*D+3*q+4*kv+4*I) + 2*V + D, InferPerToken: 5*D + 3*q + 4*kv + 4*I + V + D + 2*L*kv, Flops: 2*L*(D*(q+2*kv)+q*D+3*D*I) + 2*V*D, Attn: 2 * L * q}
}
