package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/lm"
)

// Save writes m as a Hugging Face model directory that Load (and
// transformers) read back, with the Save of its registered architecture.
func Save(dir string, m lm.Model) error {
	a, ok := archs[m.Arch()]
	if !ok || a.Save == nil {
		return fmt.Errorf("saving %s models as HF directories is not supported", m.Arch())
	}
	return a.Save(dir, m)
}

// SaveJSON writes an HF model directory: cfg marshalled as config.json and
// every parameter of m in model.safetensors (F32, tied weights stored
// once), each file written atomically. Architectures whose config.json is
// a plain JSON object use it as their Save.
func SaveJSON(dir string, m lm.Model, cfg any) error {
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
