package mamba2

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
)

func init() {
	models.Register(models.Arch{
		Name: "mamba2", Label: "Mamba-2", Order: 1, Kind: models.SSM,
		Fill: func(s *models.Spec) {
			models.Default(&s.Expand, 2)
			models.Default(&s.DConv, 4)
			models.Default(&s.DtRank, (s.DModel+15)/16)
			models.Default(&s.DState, 64)
			if s.HeadDim == 0 {
				e := s.Expand * s.DModel
				s.HeadDim = min(64, e)
				// a width 64 does not divide: one head per attention head asked for
				if s.HeadDim > 0 && e%s.HeadDim != 0 && s.Heads > 0 && e%s.Heads == 0 {
					s.HeadDim = e / s.Heads
				}
			}
		},
		Check: func(s *models.Spec) (string, error) {
			if e := s.Expand * s.DModel; s.HeadDim <= 0 || e%s.HeadDim != 0 {
				return "head_dim", fmt.Errorf("head_dim %d must divide expand·d_model = %d", s.HeadDim, e)
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
			mm, ok := m.(*Model)
			if !ok {
				return fmt.Errorf("mamba2: cannot save a %T", m)
			}
			return Save(dir, mm)
		},
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*Model)
			c := m.Config()
			for _, b := range m.Layers {
				f.Linear(b.Mixer.InProj)
				f.Linear(b.Mixer.OutProj)
				// depthwise conv and the state-space dual scan
				f.Mixing(2*float64(c.ConvDim()*c.K) + 8*float64(c.E()*c.N))
			}
			f.Linear(m.Head)
		},
		LoRATargets: []string{"in_proj", "out_proj"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*Model).Embed },
		SSMLayers:   func(m lm.Model) int { return len(m.(*Model).Layers) },
		Dynamics:    lyapunovDynamics,
		Spectra:     lyapunovSpectra,
	})
}

// specConfig is the model config of a filled spec.
func specConfig(s models.Spec) Config {
	c := DefaultConfig(s.Vocab, s.DModel, s.Layers)
	c.N, c.Expand, c.K, c.HeadDim = s.DState, s.Expand, s.DConv, s.HeadDim
	return c
}
