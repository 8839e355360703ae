package paper

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
)

// BuildModel returns the model a spec describes: loaded from its HF
// directory, or built from scratch by its registry entry (models.New) with
// the architecture's own initialisation (mamba_ssm's for Mamba and
// Mamba-2, HF's for the Transformers), deterministic in seed. vocab is used when the spec leaves
// Vocab at 0 (the training data's vocabulary).
func BuildModel(spec *config.Model, vocab int, seed uint64) (lm.Model, error) {
	if spec == nil {
		return nil, fmt.Errorf("the experiment names no model")
	}
	if spec.Path != "" {
		return hf.Load(spec.Path)
	}
	s := spec.Spec
	if s.Vocab == 0 {
		s.Vocab = vocab
	}
	return models.New(spec.Arch, s, seed)
}

// Family labels a model in figures: the spec's family, else its arch.
func Family(spec *config.Model, m lm.Model) string {
	if spec != nil && spec.Family != "" {
		return spec.Family
	}
	return m.Arch()
}

// ParamCount returns the number of scalars of m (tied weights once).
func ParamCount(m lm.Model) int {
	n, _ := nn.Count(m.Params())
	return n
}

// CheckModel reports a model spec that cannot be built (bad head counts,
// odd rotary widths, ...) by building it with a small vocabulary; specs
// naming a checkpoint directory are checked for a readable config.json.
// Kinds call it from Check so that ssmlab validate finds such errors
// before anything runs.
func CheckModel(spec *config.Model) error {
	if spec == nil {
		return fmt.Errorf("the experiment names no model")
	}
	if spec.Path != "" {
		_, _, err := hf.ReadConfig(spec.Path)
		return err
	}
	_, err := BuildModel(spec, 16, 0)
	return err
}
