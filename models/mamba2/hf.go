package mamba2

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/models/hf"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/lm"
)

// mamba2JSON is HF's Mamba2Config as config.json spells it. Pointer fields
// tell a key that is absent (HF's default applies) from a zero value.
type mamba2JSON struct {
	ModelType              string       `json:"model_type"`
	VocabSize              *int         `json:"vocab_size"`
	HiddenSize             *int         `json:"hidden_size"`
	StateSize              *int         `json:"state_size"`
	NumHiddenLayers        *int         `json:"num_hidden_layers"`
	LayerNormEpsilon       *float64     `json:"layer_norm_epsilon"`
	Expand                 *float64     `json:"expand"`
	ConvKernel             *int         `json:"conv_kernel"`
	NGroups                *int         `json:"n_groups"`
	NumHeads               *int         `json:"num_heads"`
	HeadDim                *int         `json:"head_dim"`
	ChunkSize              *int         `json:"chunk_size"`
	UseBias                *bool        `json:"use_bias"`
	UseConvBias            *bool        `json:"use_conv_bias"`
	HiddenAct              *string      `json:"hidden_act"`
	InitializerRange       *float64     `json:"initializer_range"`
	ResidualInFP32         *bool        `json:"residual_in_fp32"`
	TimeStepMin            *float64     `json:"time_step_min"`
	TimeStepMax            *float64     `json:"time_step_max"`
	TimeStepFloor          *float64     `json:"time_step_floor"`
	TimeStepLimit          []hf.PyFloat `json:"time_step_limit"`
	RescalePrenormResidual *bool        `json:"rescale_prenorm_residual"`
	RMSNorm                *bool        `json:"rms_norm"`
	NormBeforeGate         *bool        `json:"norm_before_gate"`
	TieWordEmbeddings      *bool        `json:"tie_word_embeddings"`
	PadTokenID             *int         `json:"pad_token_id"`
	BOSTokenID             *int         `json:"bos_token_id"`
	EOSTokenID             *int         `json:"eos_token_id"`
}

// ParseHFConfig parses an HF Mamba2Config (config.json bytes; path names
// the file in errors). Absent keys take HF's defaults. Settings this
// implementation does not compute (another activation, no gated norm,
// norm_before_gate, heads that do not tile the inner width) are errors.
func ParseHFConfig(path string, raw []byte) (Config, error) {
	var j mamba2JSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return Config{}, fmt.Errorf("%s: %v", path, err)
	}
	if j.ModelType != "mamba2" {
		return Config{}, fmt.Errorf("%s: model_type %q, want \"mamba2\"", path, j.ModelType)
	}
	// HF Mamba2Config defaults (transformers 4.44+), then mamba_ssm's for
	// the initialisation settings config.json does not carry.
	c := DefaultConfig(32768, 4096, 64)
	c.N, c.Groups, c.ChunkSize, c.Untied, c.EmbedStd, c.RescalePrenorm = 128, 8, 256, true, 0.1, false
	numHeads := 128
	expand := 2.0
	seti := func(dst *int, p *int) {
		if p != nil {
			*dst = *p
		}
	}
	setf := func(dst *float64, p *float64) {
		if p != nil {
			*dst = *p
		}
	}
	setb := func(dst *bool, p *bool) {
		if p != nil {
			*dst = *p
		}
	}
	seti(&c.Vocab, j.VocabSize)
	seti(&c.D, j.HiddenSize)
	seti(&c.N, j.StateSize)
	seti(&c.Layers, j.NumHiddenLayers)
	seti(&c.K, j.ConvKernel)
	seti(&c.Groups, j.NGroups)
	seti(&numHeads, j.NumHeads)
	seti(&c.HeadDim, j.HeadDim)
	seti(&c.ChunkSize, j.ChunkSize)
	seti(&c.Pad, j.PadTokenID)
	seti(&c.BOS, j.BOSTokenID)
	seti(&c.EOS, j.EOSTokenID)
	setf(&expand, j.Expand)
	setf(&c.EmbedStd, j.InitializerRange)
	setf(&c.DtMin, j.TimeStepMin)
	setf(&c.DtMax, j.TimeStepMax)
	setf(&c.DtInitFloor, j.TimeStepFloor)
	setb(&c.Bias, j.UseBias)
	setb(&c.ConvBias, j.UseConvBias)
	setb(&c.ResidualFP32, j.ResidualInFP32)
	setb(&c.RescalePrenorm, j.RescalePrenormResidual)
	if j.LayerNormEpsilon != nil {
		c.Eps = float32(*j.LayerNormEpsilon)
	}
	if j.TieWordEmbeddings != nil {
		c.Untied = !*j.TieWordEmbeddings
	}
	if j.TimeStepLimit != nil {
		if len(j.TimeStepLimit) != 2 {
			return c, fmt.Errorf("%s: time_step_limit must have two entries, got %d", path, len(j.TimeStepLimit))
		}
		c.DtLimit = [2]float64{float64(j.TimeStepLimit[0]), float64(j.TimeStepLimit[1])}
	}
	fail := func(format string, a ...any) (Config, error) {
		return c, fmt.Errorf("%s: "+format, append([]any{path}, a...)...)
	}
	if act := j.HiddenAct; act != nil && *act != "silu" && *act != "swish" {
		return fail("hidden_act %q is not supported (Mamba-2 uses silu)", *act)
	}
	if j.RMSNorm != nil && !*j.RMSNorm {
		return fail("rms_norm false is not supported (the gated RMSNorm is always applied)")
	}
	if j.NormBeforeGate != nil && *j.NormBeforeGate {
		return fail("norm_before_gate true is not supported (HF and mamba_ssm use norm(y * silu(z)))")
	}
	e := expand * float64(c.D)
	if expand <= 0 || e != math.Trunc(e) || int(e)%c.D != 0 {
		return fail("expand %g × hidden_size %d must be a positive integer multiple of hidden_size", expand, c.D)
	}
	c.Expand = int(e) / c.D
	if c.HeadDim <= 0 || numHeads*c.HeadDim != c.E() {
		return fail("num_heads %d × head_dim %d must equal expand × hidden_size = %d", numHeads, c.HeadDim, c.E())
	}
	if err := c.Validate(); err != nil {
		return fail("%v", err)
	}
	return c, nil
}

// HFConfig returns the config.json HF writes for c.
func HFConfig(c Config) ([]byte, error) {
	m := map[string]any{
		"architectures":      []string{"Mamba2ForCausalLM"},
		"model_type":         "mamba2",
		"vocab_size":         c.Vocab,
		"hidden_size":        c.D,
		"state_size":         c.N,
		"num_hidden_layers":  c.Layers,
		"layer_norm_epsilon": hf.Float32(c.Eps),
		"expand":             c.Expand,
		"conv_kernel":        c.K,
		"n_groups":           c.Groups,
		"num_heads":          c.H(),
		"head_dim":           c.HeadDim,
		"chunk_size":         c.ChunkSize,
		"use_bias":           c.Bias,
		"use_conv_bias":      c.ConvBias,
		"hidden_act":         "silu",
		"initializer_range":  hf.Float(c.EmbedStd),
		"residual_in_fp32":   c.ResidualFP32,
		"time_step_rank":     (c.D + 15) / 16,
		"time_step_min":      hf.Float(c.DtMin),
		"time_step_max":      hf.Float(c.DtMax),
		"time_step_floor":    hf.Float(c.DtInitFloor),
		"time_step_limit":    []hf.PyFloat{hf.PyFloat(c.DtLimit[0]), hf.PyFloat(c.DtLimit[1])},
		// false: an init flag already applied to the weights, which
		// transformers 5 would re-apply to out_proj after loading
		"rescale_prenorm_residual": false,
		"rms_norm":                 true,
		"tie_word_embeddings":      !c.Untied,
		"pad_token_id":             c.Pad,
		"bos_token_id":             c.BOS,
		"eos_token_id":             c.EOS,
		"use_cache":                true,
		"dtype":                    "float32",
	}
	return json.MarshalIndent(m, "", "  ")
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
	rules := hf.WeightRules{Aliases: map[string]string{"backbone.embedding.": "backbone.embeddings."}}
	if !c.Untied {
		rules.Tied = map[string]string{"lm_head.weight": "backbone.embeddings.weight"}
	}
	return m, rules, nil
}

// Save writes m as an HF Mamba2ForCausalLM directory: config.json and
// model.safetensors (F32; a tied lm_head is not stored). hf.Load reads it
// back bit-identically.
func Save(dir string, m *Model) error {
	cfg, err := HFConfig(m.Config())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := hf.SaveWeights(dir, m.Params(), nil, nil); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, "config.json"), append(cfg, '\n'))
}
