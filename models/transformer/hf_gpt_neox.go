package transformer

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/ssmlab/ssmlab/models/hf"

	"github.com/ssmlab/ssmlab/models/lm"
)

// gptNeoXJSON is config.json of GPTNeoXForCausalLM. Size keys are required;
// the others default as in HF's GPTNeoXConfig. Keys not listed (dropout
// rates, token ids, use_cache, ...) do not change the forward pass and are
// ignored; dropout is not implemented (HF's eval mode).
type gptNeoXJSON struct {
	Vocab     *int     `json:"vocab_size"`
	Hidden    *int     `json:"hidden_size"`
	Layers    *int     `json:"num_hidden_layers"`
	Heads     *int     `json:"num_attention_heads"`
	I         *int     `json:"intermediate_size"`
	Act       *string  `json:"hidden_act"`
	MaxPos    *int     `json:"max_position_embeddings"`
	InitRange *float64 `json:"initializer_range"`
	Eps       *float64 `json:"layer_norm_eps"`
	Parallel  *bool    `json:"use_parallel_residual"`
	Tied      *bool    `json:"tie_word_embeddings"`
	Bias      *bool    `json:"attention_bias"`
	hf.RopeKeys
}

// ParseGPTNeoXConfig parses a gpt_neox config.json (path names it in errors).
func ParseGPTNeoXConfig(path string, raw []byte) (GPTNeoXConfig, error) {
	var j gptNeoXJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return GPTNeoXConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := hf.Required(map[string]*int{"vocab_size": j.Vocab, "hidden_size": j.Hidden,
		"num_hidden_layers": j.Layers, "num_attention_heads": j.Heads, "intermediate_size": j.I}); err != nil {
		return GPTNeoXConfig{}, fmt.Errorf("%s: %v", path, err)
	}
	c := DefaultGPTNeoXConfig(*j.Vocab, *j.Hidden, *j.Layers, *j.Heads)
	c.I = *j.I
	if j.Act != nil && *j.Act != "gelu" {
		return c, fmt.Errorf("%s: hidden_act %q is not implemented for gpt_neox (only \"gelu\", the exact erf GELU)", path, *j.Act)
	}
	hf.SetInt(&c.MaxPos, j.MaxPos)
	hf.SetFloat(&c.InitRange, j.InitRange)
	hf.SetFloat(&c.NormEps, j.Eps)
	hf.SetBool(&c.ParallelResidual, j.Parallel)
	hf.SetBool(&c.Tied, j.Tied)
	hf.SetBool(&c.Bias, j.Bias)
	var err error
	if c.RopeTheta, c.RotaryPct, err = j.Resolve(10000, 0.25); err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

func loadGPTNeoX(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	cfg, err := ParseGPTNeoXConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	m, err := NewGPTNeoXZero(cfg)
	if err != nil {
		return nil, hf.WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	rules := hf.WeightRules{
		// transformers 5 calls the head lm_head inside the model and saves it as embed_out
		Aliases: map[string]string{"lm_head.": "embed_out."},
		// non-persistent buffers that older checkpoints carry
		Ignore: []*regexp.Regexp{regexp.MustCompile(`(attention\.(bias|masked_bias)|rotary_emb\.inv_freq)$`)},
	}
	if cfg.Tied {
		rules.Tied = map[string]string{"embed_out.weight": "gpt_neox.embed_in.weight"}
	}
	return m, rules, nil
}

// GPTNeoXConfigJSON returns the config.json fields transformers 5 writes for
// cfg, plus the older rotary_pct/rotary_emb_base so 4.x reads it too.
func GPTNeoXConfigJSON(c GPTNeoXConfig) map[string]any {
	return map[string]any{
		"architectures": []string{"GPTNeoXForCausalLM"}, "model_type": "gpt_neox",
		"vocab_size": c.Vocab, "hidden_size": c.D, "num_hidden_layers": c.Layers,
		"num_attention_heads": c.Heads, "intermediate_size": c.I, "hidden_act": "gelu",
		"max_position_embeddings": c.MaxPos, "initializer_range": c.InitRange,
		"layer_norm_eps": c.NormEps, "use_parallel_residual": c.ParallelResidual,
		"tie_word_embeddings": c.Tied, "attention_bias": c.Bias,
		"rope_parameters": map[string]any{"rope_type": "default", "rope_theta": c.RopeTheta,
			"partial_rotary_factor": c.RotaryPct},
		"rotary_pct": c.RotaryPct, "rotary_emb_base": c.RopeTheta,
		"dtype": "float32", "use_cache": true,
	}
}
