package mamba

import (
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
)

func init() {
	models.Register(models.Arch{
		Name: "mamba", Label: "Mamba", Order: 0, Kind: models.SSM,
		Fill: func(s *models.Spec) {
			models.Default(&s.Expand, 2)
			models.Default(&s.DConv, 4)
			models.Default(&s.DtRank, (s.DModel+15)/16)
			models.Default(&s.DState, 16)
		},
		Check: func(s *models.Spec) (string, error) { return "", nil },
		New: func(s models.Spec, seed uint64) (lm.Model, error) {
			return New(specConfig(s), seed)
		},
		Footprint:   models.SpecFootprint(specConfig),
		HFFootprint: models.ConfigFootprint(ParseConfig),
		Load:        loadHF,
		Save:        save,
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*Model)
			for _, b := range m.Layers {
				x := b.Mixer
				for _, l := range []*nn.Linear{x.InProj, x.XProj, x.DtProj, x.OutProj} {
					f.Linear(l)
				}
				// depthwise conv and the selective scan
				f.Mixing(2*float64(x.E*x.K) + 8*float64(x.E*x.N))
			}
			f.Linear(m.Head)
		},
		LoRATargets: []string{"in_proj", "x_proj", "dt_proj", "out_proj"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*Model).Emb },
		SSMLayers:   func(m lm.Model) int { return len(m.(*Model).Layers) },
		Dynamics:    lyapunovDynamics,
		Spectra:     lyapunovSpectra,
	})
}

// specConfig is the model config of a filled spec.
func specConfig(s models.Spec) Config {
	c := DefaultConfig(s.Vocab, s.DModel, s.Layers)
	c.N, c.Expand, c.K, c.DtRank = s.DState, s.Expand, s.DConv, s.DtRank
	return c
}
