package mamba

import (
	"encoding/json"
	"fmt"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// loadHF is the registry's Load: config.json to a zero model plus the
// rules for Mamba checkpoints (mamba_ssm's singular "backbone.embedding."
// and a tied lm_head that files may omit).
func loadHF(path string, raw []byte) (lm.Model, hf.WeightRules, error) {
	c, err := ParseConfig(path, raw)
	if err != nil {
		return nil, hf.WeightRules{}, err
	}
	m, err := NewZero(c)
	if err != nil {
		return nil, hf.WeightRules{}, fmt.Errorf("%s: %v", path, err)
	}
	rules := hf.WeightRules{Aliases: map[string]string{"backbone.embedding.": "backbone.embeddings."}}
	if !c.Untied {
		rules.Tied = map[string]string{"lm_head.weight": "backbone.embeddings.weight"}
	}
	return m, rules, nil
}

// interpreted lists the config.json keys ParseConfig reads; every other
// key goes to Config.Extra. HF MambaConfig keys first, then mamba_ssm's
// legacy MambaConfig keys (which HF's converted checkpoints also carry).
var interpreted = map[string]bool{
	"model_type": true, "architectures": true, "dtype": true, "torch_dtype": true,
	"vocab_size": true, "hidden_size": true, "state_size": true, "num_hidden_layers": true,
	"layer_norm_epsilon": true, "expand": true, "conv_kernel": true, "use_bias": true,
	"use_conv_bias": true, "hidden_act": true, "intermediate_size": true, "time_step_rank": true,
	"time_step_scale": true, "time_step_min": true, "time_step_max": true, "time_step_floor": true,
	"time_step_init_scheme": true, "rescale_prenorm_residual": true, "tie_word_embeddings": true,
	"pad_vocab_size_multiple": true,
	"d_model":                 true, "n_layer": true, "d_inner": true, "d_intermediate": true, "ssm_cfg": true,
	"rms_norm": true, "fused_add_norm": true, "tie_embeddings": true, "norm_epsilon": true,
	"attn_layer_idx": true, "attn_cfg": true, "initializer_cfg": true,
}

// ParseConfig reads an HF MambaConfig config.json, or a plain mamba_ssm
// one (no model_type; d_model, n_layer, ssm_cfg, ...). Where both spellings
// of a setting are present they must agree. Settings that change the math
// in a way ssmlab does not implement are errors naming the key. As in HF,
// vocab_size of an HF config is used as is; a mamba_ssm config's vocab is
// padded up to pad_vocab_size_multiple (default 8) as MambaLMHeadModel does.
func ParseConfig(path string, data []byte) (Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: invalid JSON: %v", path, err)
	}
	r := &reader{path: path, raw: raw}
	ssm := r.sub("ssm_cfg")
	_, hasType := raw["model_type"]
	c := DefaultConfig(0, 0, 0)
	c.RescalePrenorm = false // HF's default; mamba_ssm configs do not carry it
	get(r, &c.D, true, src{r, "hidden_size"}, src{r, "d_model"})
	get(r, &c.Layers, true, src{r, "num_hidden_layers"}, src{r, "n_layer"})
	get(r, &c.Vocab, true, src{r, "vocab_size"})
	get(r, &c.N, false, src{r, "state_size"}, src{ssm, "d_state"})
	get(r, &c.K, false, src{r, "conv_kernel"}, src{ssm, "d_conv"})
	get(r, &c.Expand, false, src{r, "expand"}, src{ssm, "expand"})
	get(r, &c.Bias, false, src{r, "use_bias"}, src{ssm, "bias"})
	get(r, &c.ConvBias, false, src{r, "use_conv_bias"}, src{ssm, "conv_bias"})
	get(r, &c.DtScale, false, src{r, "time_step_scale"}, src{ssm, "dt_scale"})
	get(r, &c.DtMin, false, src{r, "time_step_min"}, src{ssm, "dt_min"})
	get(r, &c.DtMax, false, src{r, "time_step_max"}, src{ssm, "dt_max"})
	get(r, &c.DtInitFloor, false, src{r, "time_step_floor"}, src{ssm, "dt_init_floor"})
	get(r, &c.DtInit, false, src{r, "time_step_init_scheme"}, src{ssm, "dt_init"})
	get(r, &c.RescalePrenorm, false, src{r, "rescale_prenorm_residual"})
	eps := float64(c.Eps)
	get(r, &eps, false, src{r, "layer_norm_epsilon"}, src{r, "norm_epsilon"})
	c.Eps = float32(eps)
	tied := true
	get(r, &tied, false, src{r, "tie_word_embeddings"}, src{r, "tie_embeddings"})
	c.Untied = !tied
	c.DtRank = r.rank(c.D, src{r, "time_step_rank"}, src{ssm, "dt_rank"})

	act, layer, rms, dInter, pad := "silu", "Mamba1", true, 0, 8
	get(r, &act, false, src{r, "hidden_act"})
	get(r, &layer, false, src{ssm, "layer"})
	get(r, &rms, false, src{r, "rms_norm"})
	get(r, &dInter, false, src{r, "d_intermediate"})
	get(r, &pad, false, src{r, "pad_vocab_size_multiple"})
	var attn []int
	get(r, &attn, false, src{r, "attn_layer_idx"})
	if r.err != nil {
		return Config{}, r.err
	}
	inner := c.E()
	get(r, &inner, false, src{r, "intermediate_size"}, src{r, "d_inner"})
	switch {
	case r.err != nil:
		return Config{}, r.err
	case act != "silu" && act != "swish":
		return Config{}, fmt.Errorf("%s: hidden_act %q: the Mamba block uses silu", path, act)
	case layer != "Mamba1":
		return Config{}, fmt.Errorf("%s: ssm_cfg.layer %q is not a Mamba (v1) model", path, layer)
	case !rms:
		return Config{}, fmt.Errorf("%s: rms_norm false (LayerNorm blocks) is not supported; ssmlab's Mamba uses RMSNorm", path)
	case dInter != 0:
		return Config{}, fmt.Errorf("%s: d_intermediate %d (MLP blocks after each mixer) is not supported", path, dInter)
	case len(attn) > 0:
		return Config{}, fmt.Errorf("%s: attn_layer_idx %v (hybrid attention layers) is not supported", path, attn)
	case inner != c.E():
		return Config{}, fmt.Errorf("%s: intermediate size %d is not expand·hidden = %d·%d", path, inner, c.Expand, c.D)
	case pad <= 0:
		return Config{}, fmt.Errorf("%s: pad_vocab_size_multiple %d must be positive", path, pad)
	}
	if !hasType && c.Vocab%pad != 0 {
		c.Vocab += pad - c.Vocab%pad
	}
	c.Extra = map[string]json.RawMessage{}
	for k, v := range raw {
		if !interpreted[k] {
			c.Extra[k] = v
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}
