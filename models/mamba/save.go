package mamba

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// Save writes m as an HF Mamba directory transformers' MambaForCausalLM
// loads: config.json with MambaConfig's fields and model.safetensors (F32,
// without a tied lm_head, as HF writes it). Keys of the loaded config that
// ssmlab does not interpret (Config.Extra: token ids, use_cache, ...) are
// written back. Each file is replaced atomically.
func Save(dir string, m *Model) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg, err := HFConfig(m.Cfg)
	if err != nil {
		return err
	}
	skip := map[string]bool{}
	if !m.Cfg.Untied {
		skip["lm_head.weight"] = true
	}
	if err := hf.SaveWeights(dir, m.Params(), skip, nil); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, "config.json"), cfg)
}

func save(dir string, lmm lm.Model) error {
	m, ok := lmm.(*Model)
	if !ok {
		return fmt.Errorf("mamba: cannot save a %T", lmm)
	}
	return Save(dir, m)
}

// HFConfig returns the config.json bytes of HF's MambaConfig for c, keys
// sorted and indented as transformers writes them.
func HFConfig(c Config) ([]byte, error) {
	out := map[string]any{
		"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0,
		"initializer_range": 0.1, "residual_in_fp32": true,
		"use_cache": true, "use_mambapy": false,
	}
	for k, v := range c.Extra {
		out[k] = v
	}
	for k, v := range map[string]any{
		"architectures":         []string{"MambaForCausalLM"},
		"model_type":            "mamba",
		"dtype":                 "float32",
		"vocab_size":            c.Vocab,
		"hidden_size":           c.D,
		"num_hidden_layers":     c.Layers,
		"state_size":            c.N,
		"conv_kernel":           c.K,
		"expand":                c.Expand,
		"intermediate_size":     c.E(),
		"time_step_rank":        c.R(),
		"layer_norm_epsilon":    hf.Float32(c.Eps),
		"use_bias":              c.Bias,
		"use_conv_bias":         c.ConvBias,
		"hidden_act":            "silu",
		"tie_word_embeddings":   !c.Untied,
		"time_step_scale":       hf.Float(c.DtScale),
		"time_step_min":         hf.Float(c.DtMin),
		"time_step_max":         hf.Float(c.DtMax),
		"time_step_floor":       hf.Float(c.DtInitFloor),
		"time_step_init_scheme": c.DtInit,
		// An initialisation flag, already applied to the saved weights; written
		// false because transformers 5 re-applies it to out_proj after loading
		// (found by tools/check_hf_load.py: the loaded weights changed).
		"rescale_prenorm_residual": false,
	} {
		out[k] = v
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
