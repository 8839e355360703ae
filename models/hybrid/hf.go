package hybrid

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// A hybrid directory's config.json is ssmlab's own; every key is required
// and no other key is allowed:
//
//	{"model_type": "hybrid", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 6,
//	 "mixers": ["mamba", "mamba", "attention"], "layer_norm_epsilon": 1e-05,
//	 "state_size": 16, "expand": 2, "conv_kernel": 4, "time_step_rank": 2,
//	 "mamba2_state_size": 64, "mamba2_head_dim": 64,
//	 "num_attention_heads": 1, "num_key_value_heads": 1, "rope_theta": 10000}
//
// Weights (model.safetensors): backbone.embeddings.weight (the tied
// lm_head is not stored), backbone.layers.<i>.norm.weight and each mixer's
// parameters under backbone.layers.<i>.mixer (Mamba's and Mamba-2's HF
// names; attention's in_proj.weight ((H+2KV)·hd, D) and out_proj.weight),
// backbone.norm_f.weight.
type hfJSON struct {
	ModelType string   `json:"model_type"`
	Vocab     int      `json:"vocab_size"`
	Hidden    int      `json:"hidden_size"`
	Layers    int      `json:"num_hidden_layers"`
	Mixers    []string `json:"mixers"`
	Eps       float32  `json:"layer_norm_epsilon"`
	State     int      `json:"state_size"`
	Expand    int      `json:"expand"`
	Conv      int      `json:"conv_kernel"`
	DtRank    int      `json:"time_step_rank"`
	M2State   int      `json:"mamba2_state_size"`
	M2HeadDim int      `json:"mamba2_head_dim"`
	Heads     int      `json:"num_attention_heads"`
	KVHeads   int      `json:"num_key_value_heads"`
	RopeTheta float64  `json:"rope_theta"`
}

var hfKeys = []string{"model_type", "vocab_size", "hidden_size", "num_hidden_layers", "mixers", "layer_norm_epsilon",
	"state_size", "expand", "conv_kernel", "time_step_rank", "mamba2_state_size", "mamba2_head_dim",
	"num_attention_heads", "num_key_value_heads", "rope_theta"}

// HFConfig returns c as config.json's object.
func HFConfig(c Config) any {
	return hfJSON{ModelType: "hybrid", Vocab: c.Vocab, Hidden: c.D, Layers: c.Layers, Mixers: c.Mixers, Eps: c.Eps,
		State: c.Mamba.N, Expand: c.Mamba.Expand, Conv: c.Mamba.K, DtRank: c.Mamba.R(),
		M2State: c.Mamba2.N, M2HeadDim: c.Mamba2.HeadDim,
		Heads: c.Heads, KVHeads: c.KVHeads, RopeTheta: c.RopeTheta}
}

// ParseHFConfig parses a hybrid config.json strictly (path names it in
// errors).
func ParseHFConfig(path string, raw []byte) (Config, error) {
	var present map[string]any
	if err := json.Unmarshal(raw, &present); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	for k := range present {
		if !slices.Contains(hfKeys, k) {
			return Config{}, fmt.Errorf("%s: unknown key %q%s", path, k, suggest.Hint(k, hfKeys))
		}
	}
	for _, k := range hfKeys {
		if _, ok := present[k]; !ok {
			return Config{}, fmt.Errorf("%s: missing %q", path, k)
		}
	}
	var j hfJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	c := DefaultConfig(j.Vocab, j.Hidden, j.Layers, j.Mixers...)
	c.Eps = j.Eps
	c.Mamba.N, c.Mamba.Expand, c.Mamba.K, c.Mamba.DtRank = j.State, j.Expand, j.Conv, j.DtRank
	c.Mamba2.N, c.Mamba2.Expand, c.Mamba2.K, c.Mamba2.HeadDim = j.M2State, j.Expand, j.Conv, j.M2HeadDim
	c.Heads, c.KVHeads, c.RopeTheta = j.Heads, j.KVHeads, j.RopeTheta
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

func loadHF(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	c, err := ParseHFConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	m, err := NewZero(c)
	if err != nil {
		return nil, hf.WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	return m, hf.WeightRules{}, nil
}

func save(dir string, m lm.Model) error {
	mm, ok := m.(*Model)
	if !ok {
		return fmt.Errorf("hybrid: cannot save a %T", m)
	}
	return hf.SaveJSON(dir, m, HFConfig(mm.Cfg))
}
