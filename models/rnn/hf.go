package rnn

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ssmlab/ssmlab/models/hf"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/lm"
)

// The tanh RNN control has no Hugging Face counterpart; its directory is
// ssmlab's own but shaped like one, so Load, Save and `ssmlab forward` treat
// it alike:
//
//	{"model_type": "rnn", "vocab_size": 64, "embed_size": 32, "hidden_size": 32,
//	 "spectral_radius": 2, "input_gain": 0.1, "initializer_range": 0.02}
//
// Every key is required and no other key is allowed. Weights (model.safetensors):
// embed.weight (V, D), rnn.ih.weight (H, D), rnn.ih.bias (H), rnn.hh.weight
// (H, H), lm_head.weight (V, H), lm_head.bias (V).

type rnnJSON struct {
	ModelType string `json:"model_type"`
	Config
}

// ParseHFConfig parses the RNN's config.json (model_type "rnn" or the older "ssmlab_rnn") strictly.
func ParseHFConfig(path string, raw []byte) (Config, error) {
	var present map[string]any
	if err := json.Unmarshal(raw, &present); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	keys := []string{"model_type", "vocab_size", "embed_size", "hidden_size", "spectral_radius", "input_gain", "initializer_range"}
	for k := range present {
		if !slices.Contains(keys, k) {
			return Config{}, fmt.Errorf("%s: unknown key %q%s", path, k, suggest.Hint(k, keys))
		}
	}
	for _, k := range keys {
		if _, ok := present[k]; !ok {
			return Config{}, fmt.Errorf("%s: missing %q", path, k)
		}
	}
	var j rnnJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := j.Config.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	return j.Config, nil
}

func loadHF(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	cfg, err := ParseHFConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	m, err := NewZero(cfg)
	if err != nil {
		return nil, hf.WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	return m, hf.WeightRules{}, nil
}
