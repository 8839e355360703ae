package hf

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/rnn"
)

// The tanh RNN control has no Hugging Face counterpart; its directory is
// ssmlab's own but shaped like one, so Load, Save and `ssmlab forward` treat
// it alike:
//
//	{"model_type": "ssmlab_rnn", "vocab_size": 64, "embed_size": 32, "hidden_size": 32,
//	 "spectral_radius": 2, "input_gain": 0.1, "initializer_range": 0.02}
//
// Every key is required and no other key is allowed. Weights (model.safetensors):
// embed.weight (V, D), rnn.ih.weight (H, D), rnn.ih.bias (H), rnn.hh.weight
// (H, H), lm_head.weight (V, H), lm_head.bias (V).
func init() {
	Register(Arch{ModelType: "ssmlab_rnn", Build: buildRNN})
	configWriters["ssmlab_rnn"] = func(m lm.Model) (any, error) { return rnnJSON{"ssmlab_rnn", m.(*rnn.RNN).Cfg}, nil }
}

type rnnJSON struct {
	ModelType string `json:"model_type"`
	rnn.Config
}

// RNNConfig parses an ssmlab_rnn config.json strictly.
func RNNConfig(path string, raw []byte) (rnn.Config, error) {
	var present map[string]any
	if err := json.Unmarshal(raw, &present); err != nil {
		return rnn.Config{}, fmt.Errorf("%s: %v", path, err)
	}
	keys := []string{"model_type", "vocab_size", "embed_size", "hidden_size", "spectral_radius", "input_gain", "initializer_range"}
	for k := range present {
		if !slices.Contains(keys, k) {
			return rnn.Config{}, fmt.Errorf("%s: unknown key %q%s", path, k, suggest.Hint(k, keys))
		}
	}
	for _, k := range keys {
		if _, ok := present[k]; !ok {
			return rnn.Config{}, fmt.Errorf("%s: missing %q", path, k)
		}
	}
	var j rnnJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return rnn.Config{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := j.Config.Validate(); err != nil {
		return rnn.Config{}, fmt.Errorf("%s: %v", path, err)
	}
	return j.Config, nil
}

func buildRNN(path string, raw []byte) (lm.Model, WeightRules, error) {
	cfg, err := RNNConfig(path, raw)
	if err != nil {
		return nil, WeightRules{}, err
	}
	m, err := rnn.NewZero(cfg)
	if err != nil {
		return nil, WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	return m, WeightRules{}, nil
}
