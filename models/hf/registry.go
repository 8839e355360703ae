package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/lm"
)

// Arch tells the loader how to build one model_type.
type Arch struct {
	// ModelType is config.json's "model_type" ("mamba", "gpt_neox", ...).
	ModelType string
	// Build parses config.json (raw) and returns a model with zero weights,
	// plus the weight-loading rules for its checkpoints.
	Build func(path string, raw []byte) (lm.Model, WeightRules, error)
	// Save writes m (built by this Arch) as an HF model directory: the
	// config.json HF transformers reads and model.safetensors. Optional.
	Save func(dir string, m lm.Model) error
}

var archs = map[string]Arch{}

// Register adds an architecture's loader. models.Register calls it for
// every registered architecture (and its aliases); nothing else should.
func Register(a Arch) { archs[a.ModelType] = a }

// ModelTypes lists the registered model types.
func ModelTypes() []string {
	var ts []string
	for t := range archs {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// ReadConfig reads dir/config.json and returns its bytes and model_type.
// Bare NaN/Infinity written by Python are rewritten (see pythonJSON).
func ReadConfig(dir string) ([]byte, string, error) {
	path := filepath.Join(dir, "config.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			if st, e := os.Stat(dir); e != nil || !st.IsDir() {
				return nil, "", fmt.Errorf("%s: no such model directory", dir)
			}
			return nil, "", fmt.Errorf("%s: missing config.json (not a Hugging Face model directory?)", dir)
		}
		return nil, "", err
	}
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		// Python's json.dumps writes bare Infinity/NaN (transformers 4.x)
		if py := pythonJSON(raw); json.Unmarshal(py, &head) == nil {
			raw = py
		} else {
			return nil, "", fmt.Errorf("%s: invalid JSON: %v", path, err)
		}
	}
	if head.ModelType == "" {
		head.ModelType = legacyModelType(raw)
	}
	if head.ModelType == "" {
		return nil, "", fmt.Errorf("%s: no \"model_type\"", path)
	}
	return raw, head.ModelType, nil
}

// legacyModelType recognises a plain mamba_ssm config.json (MambaConfig of
// mamba_ssm/models/config_mamba.py: d_model, n_layer, ssm_cfg, no
// model_type): "mamba", or "mamba2" when ssm_cfg.layer is "Mamba2".
func legacyModelType(raw []byte) string {
	var c struct {
		DModel *int `json:"d_model"`
		NLayer *int `json:"n_layer"`
		SSM    struct {
			Layer string `json:"layer"`
		} `json:"ssm_cfg"`
	}
	if json.Unmarshal(raw, &c) != nil || c.DModel == nil || c.NLayer == nil {
		return ""
	}
	if c.SSM.Layer == "Mamba2" {
		return "mamba2"
	}
	return "mamba"
}

// Load reads an HF model directory: config.json decides the architecture,
// then every weight is loaded and checked.
func Load(dir string) (lm.Model, error) {
	raw, mt, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	a, ok := archs[mt]
	if !ok {
		return nil, fmt.Errorf("%s: unknown model_type %q%s (supported: %v)",
			filepath.Join(dir, "config.json"), mt, suggest.Hint(mt, ModelTypes()), ModelTypes())
	}
	m, rules, err := a.Build(filepath.Join(dir, "config.json"), raw)
	if err != nil {
		return nil, err
	}
	if err := LoadWeights(dir, m.Params(), rules); err != nil {
		return nil, err
	}
	return m, nil
}
