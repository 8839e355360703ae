package transformer

import (
	"encoding/json"
	"fmt"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// OLMo v1 (OlmoForCausalLM, allenai/OLMo-1B-hf) is the Llama stack with a parameter-free LayerNorm and clip_qkv; its
// checkpoint names are Llama's without any norm weights.

// olmoJSON is config.json of OlmoForCausalLM: the shared keys plus
// OLMo's own.
type olmoJSON struct {
	llamaStackJSON
	PadID   *int     `json:"pad_token_id"`
	ClipQKV *float64 `json:"clip_qkv"`
}

// ParseOLMoConfig parses an olmo config.json (path names it in errors).
func ParseOLMoConfig(path string, raw []byte) (LlamaConfig, error) {
	var j olmoJSON
	c, err := parseLlamaStack(path, "olmo", raw, &j, &j.llamaStackJSON, DefaultOLMoConfig)
	if err != nil {
		return c, err
	}
	if j.PadID != nil {
		c.PadID = *j.PadID
	} else if hasNull(raw, "pad_token_id") {
		c.PadID = -1
	}
	hf.SetFloat(&c.ClipQKV, j.ClipQKV)
	if j.ClipQKV != nil && *j.ClipQKV <= 0 {
		return c, fmt.Errorf("%s: clip_qkv %v must be positive (or null: no clipping)", path, *j.ClipQKV)
	}
	if c.D%c.Heads != 0 {
		return c, fmt.Errorf("%s: hidden_size %d is not divisible by num_attention_heads %d", path, c.D, c.Heads)
	}
	return finishLlamaStack(path, "olmo", c, &j.llamaStackJSON)
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
	return loadLlamaStack(path, cfg)
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
