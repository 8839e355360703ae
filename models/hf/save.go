package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/lm"
)

// configWriters return the config.json object of a model, keyed by
// lm.Model.Arch(). Architecture files fill it in init.
var configWriters = map[string]func(m lm.Model) (any, error){}

// Save writes m as a Hugging Face model directory that Load (and
// transformers) read back: config.json and model.safetensors (F32, tied
// weights stored once), each written atomically.
// An architecture either registers its own Arch.Save or a config writer.
func Save(dir string, m lm.Model) error {
	if a, ok := archs[m.Arch()]; ok && a.Save != nil {
		return a.Save(dir, m)
	}
	w, ok := configWriters[m.Arch()]
	if !ok {
		return fmt.Errorf("saving %s models as HF directories is not supported", m.Arch())
	}
	cfg, err := w(m)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := SaveWeights(dir, m.Params(), nil, nil); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, "config.json"), append(raw, '\n'))
}
