package rnn

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
)

// Name is the RNN control's one name: spec arch, Arch() and model_type.
// Directories written before it had one name say "ssmlab_rnn".
const Name = "rnn"

func init() {
	models.Register(models.Arch{
		Name: Name, Aliases: []string{"ssmlab_rnn"}, Label: "tanh RNN", Order: 6, Kind: models.Recurrent,
		NoLayers: true,
		Fill: func(s *models.Spec) {
			if s.Radius == 0 {
				s.Radius = 1
			}
		},
		Check: func(s *models.Spec) (string, error) {
			if !(s.Radius > 0 && s.Radius <= math.MaxFloat64) {
				return "radius", fmt.Errorf("radius must be a positive, finite number")
			}
			return "", nil
		},
		New: func(s models.Spec, seed uint64) (lm.Model, error) {
			return New(specConfig(s), seed)
		},
		Footprint:   models.SpecFootprint(specConfig),
		HFFootprint: models.ConfigFootprint(ParseHFConfig),
		Load:        loadHF,
		Save: func(dir string, m lm.Model) error {
			mm, ok := m.(*RNN)
			if !ok {
				return fmt.Errorf("rnn: cannot save a %T", m)
			}
			return hf.SaveJSON(dir, m, rnnJSON{Name, mm.Cfg})
		},
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*RNN)
			f.Linear(m.In)
			f.Linear(m.Rec)
			f.Linear(m.Head)
		},
		LoRATargets: []string{"rnn.ih", "rnn.hh"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*RNN).Embed },
		Dynamics: func(m lm.Model, tokens []int) models.Dynamics {
			return models.Dynamics{Model: &lyapunovSystem{m: m.(*RNN)}}
		},
		Radius: func(m lm.Model) float64 { return m.(*RNN).Cfg.Radius },
	})
}

// specConfig is the model config of a filled spec.
func specConfig(s models.Spec) Config {
	c := DefaultConfig(s.Vocab, s.DModel)
	c.Radius = s.Radius
	return c
}
