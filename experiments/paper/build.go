package paper

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/rnn"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// BuildModel returns the model a spec describes: loaded from its HF
// directory, or built from scratch with the architecture's own
// initialisation (mamba_ssm's for Mamba and Mamba-2, HF's for the
// Transformers), deterministic in seed. vocab is used when the spec leaves
// Vocab at 0 (the training data's vocabulary).
func BuildModel(spec *config.Model, vocab int, seed uint64) (lm.Model, error) {
	if spec == nil {
		return nil, fmt.Errorf("the experiment names no model")
	}
	if spec.Path != "" {
		return hf.Load(spec.Path)
	}
	V := spec.Vocab
	if V == 0 {
		V = vocab
	}
	switch spec.Arch {
	case "mamba":
		c := mamba.DefaultConfig(V, spec.DModel, spec.Layers)
		c.N, c.Expand, c.K, c.DtRank = spec.DState, spec.Expand, spec.DConv, spec.DtRank
		return mamba.New(c, seed)
	case "mamba2":
		c := mamba2.DefaultConfig(V, spec.DModel, spec.Layers)
		c.N, c.Expand, c.K, c.HeadDim = spec.DState, spec.Expand, spec.DConv, spec.HeadDim
		m, err := mamba2.NewZero(c)
		if err != nil {
			return nil, err
		}
		m.Init(seed)
		return m, nil
	case "gpt_neox":
		c := transformer.DefaultGPTNeoXConfig(V, spec.DModel, spec.Layers, spec.Heads)
		c.I, c.RotaryPct = spec.FFN, spec.RotaryPct
		m, err := transformer.NewGPTNeoXZero(c)
		if err != nil {
			return nil, err
		}
		m.Init(seed)
		return m, nil
	case "llama":
		c := transformer.DefaultLlamaConfig(V, spec.DModel, spec.Layers, spec.Heads)
		c.KVHeads, c.I = spec.KVHeads, spec.FFN
		m, err := transformer.NewLlamaZero(c)
		if err != nil {
			return nil, err
		}
		m.Init(seed)
		return m, nil
	case "rnn":
		c := rnn.DefaultConfig(V, spec.DModel)
		c.Radius = spec.Radius
		m, err := rnn.NewZero(c)
		if err != nil {
			return nil, err
		}
		m.Init(seed)
		return m, nil
	}
	return nil, fmt.Errorf("unknown arch %q", spec.Arch)
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
