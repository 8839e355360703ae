package transformer

import "fmt"

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
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("head_dim %d must be even for rotary embeddings", c.HeadDim)
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
