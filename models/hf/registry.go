package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/membudget"
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
	// Footprint parses config.json (raw) and returns the memory the model
	// needs (the architecture config's Footprint), allocating nothing, so
	// Load refuses a model that cannot fit before building it.
	Footprint func(path string, raw []byte) (lm.Footprint, error)
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
	raw, err := fsx.ReadFile(path)
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

// Footprint returns the memory estimate of the model in dir from its
// config.json alone, building nothing.
func Footprint(dir string) (lm.Footprint, string, error) {
	raw, mt, err := ReadConfig(dir)
	if err != nil {
		return lm.Footprint{}, "", err
	}
	a, err := arch(dir, mt)
	if err != nil {
		return lm.Footprint{}, "", err
	}
	if a.Footprint == nil {
		return lm.Footprint{}, mt, fmt.Errorf("%s: model_type %q has no memory estimate", filepath.Join(dir, "config.json"), mt)
	}
	f, err := a.Footprint(filepath.Join(dir, "config.json"), raw)
	return f, mt, err
}

func arch(dir, mt string) (Arch, error) {
	a, ok := archs[mt]
	if !ok {
		return Arch{}, fmt.Errorf("%s: unknown model_type %q%s (supported: %v)",
			filepath.Join(dir, "config.json"), mt, suggest.Hint(mt, ModelTypes()), ModelTypes())
	}
	return a, nil
}

// Load reads an HF model directory: config.json decides the architecture;
// before anything is allocated, the model's weights must fit in the
// available memory (internal/membudget) and the weights files' headers
// must hold at least as many values as config.json implies parameters;
// then every weight is loaded and its shape checked.
func Load(dir string) (lm.Model, error) {
	raw, mt, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	a, err := arch(dir, mt)
	if err != nil {
		return nil, err
	}
	if a.Footprint != nil {
		f, err := a.Footprint(filepath.Join(dir, "config.json"), raw)
		if err != nil {
			return nil, err
		}
		if err := membudget.Check(f.ParamBytes(), fmt.Sprintf("%s: loading its %.3g parameters", dir, f.Params), "use a smaller model"); err != nil {
			return nil, err
		}
		if err := CheckHeaders(dir, f.Params); err != nil {
			return nil, err
		}
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
