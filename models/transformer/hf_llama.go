package transformer

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/ssmlab/ssmlab/models/hf"

	"github.com/ssmlab/ssmlab/models/lm"
)

// llamaStackJSON holds the config.json keys the Llama stack's families
// (LlamaForCausalLM, OlmoForCausalLM) share. Size keys are required; the
// others default as in HF's config classes. Keys not listed (dropout,
// bos/eos ids, pretraining_tp, which only slices the same products, ...)
// do not change the forward pass and are ignored.
type llamaStackJSON struct {
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
	hf.RopeKeys
}

// parseLlamaStack reads the shared keys of family's config.json (raw, from
// path) into j's outer struct (which embeds j) and returns the config
// newConfig builds from the sizes, with the shared optional keys applied.
func parseLlamaStack(path, family string, raw []byte, outer any, j *llamaStackJSON,
	newConfig func(vocab, d, layers, heads int) LlamaConfig) (LlamaConfig, error) {
	if err := json.Unmarshal(raw, outer); err != nil {
		return LlamaConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := hf.Required(map[string]*int{"vocab_size": j.Vocab, "hidden_size": j.Hidden,
		"num_hidden_layers": j.Layers, "num_attention_heads": j.Heads, "intermediate_size": j.I}); err != nil {
		return LlamaConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	c := newConfig(*j.Vocab, *j.Hidden, *j.Layers, *j.Heads)
	c.I = *j.I
	if j.Act != nil && *j.Act != "silu" {
		return c, fmt.Errorf("%s: hidden_act %q is not implemented for %s (only \"silu\")", path, *j.Act, family)
	}
	hf.SetInt(&c.KVHeads, j.KVHeads)
	hf.SetInt(&c.MaxPos, j.MaxPos)
	hf.SetFloat(&c.InitRange, j.InitRange)
	hf.SetBool(&c.Tied, j.Tied)
	hf.SetBool(&c.AttnBias, j.AttnBias)
	return c, nil
}

// finishLlamaStack resolves the rotary keys (rotary must cover the whole
// head) and validates c.
func finishLlamaStack(path, family string, c LlamaConfig, j *llamaStackJSON) (LlamaConfig, error) {
	theta, partial, err := j.Resolve(10000, 1)
	if err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	if partial != 1 {
		return c, fmt.Errorf("%s: partial_rotary_factor %v is not supported for %s (rotary covers the whole head)", path, partial, family)
	}
	c.RopeTheta = theta
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// loadLlamaStack builds a zero model of cfg and the weight-name rules of
// its checkpoints (path names it in errors).
func loadLlamaStack(path string, cfg LlamaConfig) (lm.Model, hf.WeightRules, error) {
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

// llamaJSON is config.json of LlamaForCausalLM: the shared keys plus
// Llama's own.
type llamaJSON struct {
	llamaStackJSON
	HeadDim *int     `json:"head_dim"`
	Eps     *float64 `json:"rms_norm_eps"`
	MLPBias *bool    `json:"mlp_bias"`
	PadID   *int     `json:"pad_token_id"`
}

// ParseLlamaConfig parses a llama config.json (path names it in errors).
func ParseLlamaConfig(path string, raw []byte) (LlamaConfig, error) {
	var j llamaJSON
	c, err := parseLlamaStack(path, "llama", raw, &j, &j.llamaStackJSON, DefaultLlamaConfig)
	if err != nil {
		return c, err
	}
	hf.SetInt(&c.HeadDim, j.HeadDim)
	hf.SetInt(&c.PadID, j.PadID)
	hf.SetFloat(&c.NormEps, j.Eps)
	hf.SetBool(&c.MLPBias, j.MLPBias)
	return finishLlamaStack(path, "llama", c, &j.llamaStackJSON)
}

func loadLlama(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	cfg, err := ParseLlamaConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	return loadLlamaStack(path, cfg)
}

// LlamaConfigJSON returns the config.json fields transformers 5 writes for
// cfg, plus the top-level rope_theta that 4.x reads.
func LlamaConfigJSON(c LlamaConfig) map[string]any {
	var pad any
	if c.PadID >= 0 {
		pad = c.PadID
	}
	return map[string]any{
		"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama",
		"vocab_size": c.Vocab, "hidden_size": c.D, "num_hidden_layers": c.Layers,
		"num_attention_heads": c.Heads, "num_key_value_heads": c.KVHeads, "head_dim": c.HeadDim,
		"intermediate_size": c.I, "hidden_act": "silu", "max_position_embeddings": c.MaxPos,
		"initializer_range": c.InitRange, "rms_norm_eps": c.NormEps,
		"tie_word_embeddings": c.Tied, "attention_bias": c.AttnBias, "mlp_bias": c.MLPBias,
		"pad_token_id":    pad,
		"rope_parameters": map[string]any{"rope_type": "default", "rope_theta": c.RopeTheta},
		"rope_theta":      c.RopeTheta,
		"dtype":           "float32", "use_cache": true,
	}
}
