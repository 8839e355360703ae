package lora

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Config declares the adapters (PEFT LoraConfig's meaningful fields).
type Config struct {
	R       int     // rank r
	Alpha   float64 // lora_alpha; the update is scaled by Alpha/R
	RSLoRA  bool    // scale Alpha/√R instead (use_rslora)
	Dropout float64 // lora_dropout: Apply accepts only 0 (see Load)
	// TargetModules are matched as PEFT matches a list: a module whose path
	// equals a target or ends in "."+target ("x_proj" matches
	// "backbone.layers.0.mixer.x_proj"). Each target must match something.
	TargetModules []string
	// TargetRegex, used instead of TargetModules, must match a module path
	// in full (PEFT's string form); "all-linear" means every linear but the
	// output layer.
	TargetRegex string
	TaskType    string // PEFT task_type such as "CAUSAL_LM", written back by Save (empty: null)
	BaseModel   string // base_model_name_or_path, informational
	extra       map[string]any
}

// Scale returns the factor of B·A.
func (c Config) Scale() float32 {
	if c.RSLoRA {
		return float32(c.Alpha / math.Sqrt(float64(c.R)))
	}
	return float32(c.Alpha / float64(c.R))
}

// Keys of adapter_config.json that ParseConfig interprets, and keys that do
// not change the adapter's math (kept and written back). Any other key must
// be empty (null, false, {}, [] or ""): a set option ssmlab does not
// implement (use_dora, modules_to_save, layers_to_transform, rank_pattern,
// ...) is an error, not a silent difference.
var (
	interpreted = map[string]bool{"peft_type": true, "r": true, "lora_alpha": true, "lora_dropout": true,
		"use_rslora": true, "target_modules": true, "bias": true, "task_type": true,
		"base_model_name_or_path": true, "init_lora_weights": true}
	harmless = map[string]bool{"inference_mode": true, "revision": true, "auto_mapping": true,
		"peft_version": true, "megatron_core": true, "qalora_group_size": true, "runtime_config": true}
)

// ParseConfig reads a PEFT LoRA adapter_config.json.
func ParseConfig(path string, raw []byte) (Config, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Config{}, fmt.Errorf("%s: invalid JSON: %v", path, err)
	}
	bad := func(format string, a ...any) (Config, error) {
		return Config{}, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c := Config{Alpha: 8, R: 8, TaskType: "", extra: map[string]any{}}
	for _, k := range keys {
		if !interpreted[k] && !harmless[k] && !isEmptyJSON(m[k]) {
			return bad("option %s = %s is not supported by ssmlab's LoRA", k, m[k])
		}
		if harmless[k] {
			c.extra[k] = m[k]
		}
	}
	var peftType, bias string
	var targets any
	var initW any
	for _, f := range []struct {
		key string
		dst any
	}{{"peft_type", &peftType}, {"r", &c.R}, {"lora_alpha", &c.Alpha}, {"lora_dropout", &c.Dropout},
		{"use_rslora", &c.RSLoRA}, {"target_modules", &targets}, {"bias", &bias}, {"task_type", &c.TaskType},
		{"base_model_name_or_path", &c.BaseModel}, {"init_lora_weights", &initW}} {
		if v, ok := m[f.key]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, f.dst); err != nil {
				return bad("%s: %s has the wrong type", f.key, v)
			}
		}
	}
	switch {
	case peftType != "LORA":
		return bad("peft_type %q: only LORA adapters are supported", peftType)
	case bias != "" && bias != "none":
		return bad("bias %q: training biases is not supported (want \"none\")", bias)
	case c.R <= 0:
		return bad("r = %d must be positive", c.R)
	case c.Dropout < 0 || c.Dropout >= 1:
		return bad("lora_dropout %g must be in [0, 1)", c.Dropout)
	}
	if s, ok := initW.(string); ok && s != "gaussian" {
		return bad("init_lora_weights %q changes the base model's weights, which ssmlab does not reproduce", s)
	}
	switch t := targets.(type) {
	case string:
		c.TargetRegex = t
	case []any:
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return bad("target_modules: %v is not a string", x)
			}
			c.TargetModules = append(c.TargetModules, s)
		}
	default:
		return bad("target_modules is missing")
	}
	if c.TargetRegex == "" && len(c.TargetModules) == 0 {
		return bad("target_modules is empty")
	}
	return c, nil
}

// peftJSON returns adapter_config.json for c with the fields PEFT writes,
// keys sorted.
func (c Config) peftJSON() ([]byte, error) {
	out := map[string]any{
		"alpha_pattern": map[string]any{}, "auto_mapping": nil, "base_model_name_or_path": nil,
		"bias": "none", "exclude_modules": nil, "fan_in_fan_out": false, "inference_mode": true,
		"init_lora_weights": true, "layer_replication": nil, "layers_pattern": nil,
		"layers_to_transform": nil, "loftq_config": map[string]any{}, "lora_bias": false,
		"megatron_config": nil, "megatron_core": "megatron.core", "modules_to_save": nil,
		"peft_type": "LORA", "rank_pattern": map[string]any{}, "revision": nil,
		"task_type": nil, "trainable_token_indices": nil, "use_dora": false,
	}
	for k, v := range c.extra {
		out[k] = v
	}
	out["r"], out["lora_alpha"], out["lora_dropout"], out["use_rslora"] = c.R, c.Alpha, c.Dropout, c.RSLoRA
	if c.TargetRegex != "" {
		out["target_modules"] = c.TargetRegex
	} else {
		ts := append([]string(nil), c.TargetModules...)
		sort.Strings(ts)
		out["target_modules"] = ts
	}
	if c.TaskType != "" {
		out["task_type"] = c.TaskType
	}
	if c.BaseModel != "" {
		out["base_model_name_or_path"] = c.BaseModel
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
