package transformer

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// OLMo v1 (OlmoForCausalLM, allenai/OLMo-1B-hf) is the Llama stack with a parameter-free LayerNorm and clip_qkv; its
// checkpoint names are Llama's without any norm weights.

// olmoJSON is config.json of OlmoForCausalLM. Size keys are required; the
// others default as in HF's OlmoConfig. Keys not listed (dropout, bos/eos
// ids, pretraining_tp) do not change the forward pass and are ignored.
type olmoJSON struct {
	Vocab     *int     `json:"vocab_size"`
	Hidden    *int     `json:"hidden_size"`
	Layers    *int     `json:"num_hidden_layers"`
	Heads     *int     `json:"num_attention_heads"`
	KVHeads   *int     `json:"num_key_value_heads"`
	I         *int     `json:"intermediate_size"`
	Act       *string  `json:"hidden_act"`
	MaxPos    *int     `json:"max_position_embeddings"`
	InitRange *float64 `json:"initializer_range"`
	Tied      *bool    `json:"tie_word_embeddings"`
	AttnBias  *bool    `json:"attention_bias"`
	PadID     *int     `json:"pad_token_id"`
	ClipQKV   *float64 `json:"clip_qkv"`
	hf.RopeKeys
}

// ParseOLMoConfig parses an olmo config.json (path names it in errors).
func ParseOLMoConfig(path string, raw []byte) (LlamaConfig, error) {
	var j olmoJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return LlamaConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := hf.Required(map[string]*int{"vocab_size": j.Vocab, "hidden_size": j.Hidden,
		"num_hidden_layers": j.Layers, "num_attention_heads": j.Heads, "intermediate_size": j.I}); err != nil {
		return LlamaConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	c := DefaultOLMoConfig(*j.Vocab, *j.Hidden, *j.Layers, *j.Heads)
	c.I = *j.I
	if j.Act != nil && *j.Act != "silu" {
		return c, fmt.Errorf("%s: hidden_act %q is not implemented for olmo (only \"silu\")", path, *j.Act)
	}
	hf.SetInt(&c.KVHeads, j.KVHeads)
	hf.SetInt(&c.MaxPos, j.MaxPos)
	hf.SetFloat(&c.InitRange, j.InitRange)
	hf.SetBool(&c.Tied, j.Tied)
	hf.SetBool(&c.AttnBias, j.AttnBias)
	if j.PadID != nil {
		c.PadID = *j.PadID
	} else if hasNull(raw, "pad_token_id") {
		c.PadID = -1
	}
	hf.SetFloat(&c.ClipQKV, j.ClipQKV)
	if j.ClipQKV != nil && *j.ClipQKV <= 0 {
		return c, fmt.Errorf("%s: clip_qkv %v must be positive (or null: no clipping)", path, *j.ClipQKV)
	}
	theta, partial, err := j.Resolve(10000, 1)
	if err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	if partial != 1 {
		return c, fmt.Errorf("%s: partial_rotary_factor %v is not supported for olmo (rotary covers the whole head)", path, partial)
	}
	c.RopeTheta = theta
	if c.D%c.Heads != 0 {
		return c, fmt.Errorf("%s: hidden_size %d is not divisible by num_attention_heads %d", path, c.D, c.Heads)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// hasNull reports whether the top-level key is present with value null.
func hasNull(raw []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	v, ok := m[key]
	return ok && string(v) == "null"
}

func loadOLMo(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	cfg, err := ParseOLMoConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	m, err := NewLlamaZero(cfg)
	if err != nil {
		return nil, hf.WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	rules := hf.WeightRules{Ignore: []*regexp.Regexp{regexp.MustCompile(`rotary_emb\.inv_freq$`)}}
	if cfg.Tied {
		rules.Tied = map[string]string{"lm_head.weight": "model.embed_tokens.weight"}
	}
	return m, rules, nil
}

// OLMoConfigJSON returns the config.json fields transformers 5 writes for
// an OLMo cfg, plus the top-level rope_theta that 4.x reads.
func OLMoConfigJSON(c LlamaConfig) map[string]any {
	var pad, clip any
	if c.PadID >= 0 {
		pad = c.PadID
	}
	if c.ClipQKV > 0 {
		clip = c.ClipQKV
	}
	return map[string]any{
		"architectures": []string{"OlmoForCausalLM"}, "model_type": "olmo",
		"vocab_size": c.Vocab, "hidden_size": c.D, "num_hidden_layers": c.Layers,
		"num_attention_heads": c.Heads, "num_key_value_heads": c.KVHeads,
		"intermediate_size": c.I, "hidden_act": "silu", "max_position_embeddings": c.MaxPos,
		"initializer_range": c.InitRange, "tie_word_embeddings": c.Tied,
		"attention_bias": c.AttnBias, "clip_qkv": clip, "pad_token_id": pad,
		"rope_parameters": map[string]any{"rope_type": "default", "rope_theta": c.RopeTheta},
		"rope_theta":      c.RopeTheta,
		"dtype":           "float32", "use_cache": true,
	}
}
