package lora

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/safetensors"
	"github.com/ssmlab/ssmlab/models/tensor"
)

const (
	configFile  = "adapter_config.json"
	weightsFile = "adapter_model.safetensors"
)

// Load attaches the PEFT adapter in dir to m: adapter_config.json decides
// the targets, rank and scale; adapter_model.safetensors must hold exactly
// the adapters' tensors (F32, F16 or BF16) with the right shapes. The base
// parameters of m are frozen. lora_dropout acts only in training; a loaded
// adapter runs as PEFT's eval mode does, and Config.Dropout keeps the value
// for trainers to refuse.
func Load(m lm.Model, dir string) (*Adapters, error) {
	path := filepath.Join(dir, configFile)
	raw, err := fsx.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			if st, e := os.Stat(dir); e != nil || !st.IsDir() {
				return nil, fmt.Errorf("%s: no such adapter directory", dir)
			}
			return nil, fmt.Errorf("%s: missing %s (not a PEFT adapter directory?)", dir, configFile)
		}
		return nil, err
	}
	c, err := ParseConfig(path, raw)
	if err != nil {
		return nil, err
	}
	a, err := attach(m, c, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := a.loadWeights(dir); err != nil {
		a.Detach()
		return nil, err
	}
	return a, nil
}

func (a *Adapters) loadWeights(dir string) error {
	wpath := filepath.Join(dir, weightsFile)
	if _, err := os.Stat(wpath); os.IsNotExist(err) {
		if _, e := os.Stat(filepath.Join(dir, "adapter_model.bin")); e == nil {
			return fmt.Errorf("%s: weights are in adapter_model.bin (PyTorch pickle), which ssmlab does not read; save the adapter with safe_serialization=True", dir)
		}
		return fmt.Errorf("%s: missing %s", dir, weightsFile)
	}
	f, err := safetensors.ReadFile(wpath)
	if err != nil {
		return err
	}
	byName := map[string]*nn.Param{}
	for _, p := range a.Params() {
		byName[p.Name] = p
	}
	for _, name := range f.Names() {
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s: unexpected tensor %q: adapter_config.json declares no such adapter for this model", wpath, name)
		}
		t, _ := f.Get(name)
		if !tensor.SameShape(t.Shape, p.Value.Shape) {
			return fmt.Errorf("%s: tensor %q has shape %v, the model and r=%d imply %v", wpath, name, t.Shape, a.Config.R, p.Value.Shape)
		}
		x, err := t.Float32()
		if err != nil {
			return fmt.Errorf("%s: %v", wpath, err)
		}
		copy(p.Value.Data, x)
		delete(byName, name)
	}
	if len(byName) > 0 {
		var missing []string
		for n := range byName {
			missing = append(missing, n)
		}
		sort.Strings(missing)
		return fmt.Errorf("%s: missing adapter tensor %s (%d missing)", wpath, missing[0], len(missing))
	}
	return nil
}

// Save writes the adapters as a PEFT directory (adapter_config.json and
// adapter_model.safetensors, F32) that peft.PeftModel.from_pretrained loads.
// Each file is replaced atomically.
func (a *Adapters) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg, err := a.Config.peftJSON()
	if err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for _, p := range a.Params() {
		ts = append(ts, safetensors.F32Tensor(p.Name, p.Value.Shape, p.Value.Data))
	}
	if err := safetensors.WriteFile(filepath.Join(dir, weightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, configFile), cfg)
}

func isEmptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "null", "false", "{}", "[]", `""`:
		return true
	}
	return false
}
