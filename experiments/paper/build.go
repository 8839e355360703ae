package paper

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/membudget"
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
		return hf.Load(spec.Path) // checks the memory budget itself
	}
	f, err := footprint(spec, vocab)
	if err != nil {
		return nil, err
	}
	if err := membudget.Check(f.ParamBytes(), fmt.Sprintf("building a %s model of %.3g parameters", spec.Arch, f.Params), "use a smaller model"); err != nil {
		return nil, err
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
// odd rotary widths, absurd sizes, ...) from its config alone, building
// nothing: the architecture config's Validate, with a small vocabulary
// where the spec leaves it to the data; specs naming a checkpoint
// directory get their config.json parsed and validated the same way.
// Kinds call it from Check so that ssmlab validate finds such errors
// before anything runs, in milliseconds for any size.
func CheckModel(spec *config.Model) error {
	if spec == nil {
		return fmt.Errorf("the experiment names no model")
	}
	_, err := footprint(spec, 16)
	return err
}
