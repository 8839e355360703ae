package hybrid

import (
	"fmt"
	"slices"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/transformer"
)

func init() {
	models.Register(models.Arch{
		Name: "hybrid", Label: "Hybrid", Order: 2, Kind: models.SSM,
		Fill: func(s *models.Spec) {
			models.Default(&s.Layers, len(s.Mixers))
			models.Default(&s.Expand, 2)
			models.Default(&s.DConv, 4)
			models.Default(&s.DtRank, (s.DModel+15)/16)
			models.Default(&s.DState, 16)
			models.Default(&s.HeadDim, min(64, s.Expand*s.DModel))
			models.Default(&s.Heads, max(1, s.DModel/32))
			models.Default(&s.KVHeads, s.Heads)
		},
		Check: func(s *models.Spec) (string, error) {
			if len(s.Mixers) == 0 {
				return "mixers", fmt.Errorf("a hybrid needs mixers, a pattern of mixer kinds (%v)", Kinds)
			}
			for _, k := range s.Mixers {
				if !slices.Contains(Kinds, k) {
					return "mixers", fmt.Errorf("unknown mixer kind %q (want one of %v)", k, Kinds)
				}
			}
			if slices.Contains(s.Mixers, Attention) {
				if s.Heads <= 0 || s.DModel%s.Heads != 0 || (s.DModel/s.Heads)%2 != 0 {
					return "heads", fmt.Errorf("heads must divide d_model (%d) into even head widths", s.DModel)
				}
				if s.KVHeads <= 0 || s.Heads%s.KVHeads != 0 {
					return "kv_heads", fmt.Errorf("kv_heads must divide heads (%d)", s.Heads)
				}
			}
			if e := s.Expand * s.DModel; slices.Contains(s.Mixers, Mamba2) && (s.HeadDim <= 0 || e%s.HeadDim != 0) {
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
		Save:        save,
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*Model)
			for _, b := range m.Layers {
				switch x := b.Mixer.(type) {
				case *mamba.Mixer:
					for _, l := range []*nn.Linear{x.InProj, x.XProj, x.DtProj, x.OutProj} {
						f.Linear(l)
					}
					f.Mixing(2*float64(x.E*x.K) + 8*float64(x.E*x.N))
				case *mamba2.Mixer:
					c := m.Cfg.Mamba2
					f.Linear(x.InProj)
					f.Linear(x.OutProj)
					f.Mixing(2*float64(c.ConvDim()*c.K) + 8*float64(c.E()*c.N))
				case *transformer.Attention:
					f.Linear(x.InProj)
					f.Linear(x.OutProj)
					f.Mixing(2 * float64(x.OutProj.In) * (float64(T) + 1))
				}
			}
			f.Linear(m.Head)
		},
		LoRATargets: []string{"in_proj", "out_proj"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*Model).Emb },
		SSMLayers:   func(m lm.Model) int { return len(m.(*Model).SSMLayers()) },
		Dynamics:    lyapunovDynamics,
		Spectra:     lyapunovSpectra,
	})
}

// specConfig maps a filled spec onto a Config: the SSM sizes go to both
// SSM kinds, the heads to attention.
func specConfig(s models.Spec) Config {
	c := DefaultConfig(s.Vocab, s.DModel, s.Layers, s.Mixers...)
	c.Mamba.N, c.Mamba.Expand, c.Mamba.K, c.Mamba.DtRank = s.DState, s.Expand, s.DConv, s.DtRank
	c.Mamba2.N, c.Mamba2.Expand, c.Mamba2.K, c.Mamba2.HeadDim = s.DState, s.Expand, s.DConv, s.HeadDim
	c.Heads, c.KVHeads = s.Heads, s.KVHeads
	return c
}
