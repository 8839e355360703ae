package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

func init() {
	models.Register(models.Arch{
		Name: "gpt_neox", Label: "GPT-NeoX", Order: 4, Kind: models.Attention,
		Fill: func(s *models.Spec) {
			fillAttention(s)
			models.Default(&s.FFN, 4*s.DModel)
			if s.RotaryPct == 0 {
				s.RotaryPct = 0.25
			}
		},
		Check: func(s *models.Spec) (string, error) {
			if !(s.RotaryPct >= 0 && s.RotaryPct <= 1) {
				return "rotary_pct", fmt.Errorf("rotary_pct = %v: must be in [0, 1]", s.RotaryPct)
			}
			return checkHeads(s)
		},
		New: func(s models.Spec, seed uint64) (lm.Model, error) {
			return NewGPTNeoX(gptNeoXConfig(s), seed)
		},
		Footprint:   models.SpecFootprint(gptNeoXConfig),
		HFFootprint: models.ConfigFootprint(ParseGPTNeoXConfig),
		Load:        loadGPTNeoX,
		Save: func(dir string, m lm.Model) error {
			mm, ok := m.(*GPTNeoX)
			if !ok {
				return fmt.Errorf("gpt_neox: cannot save a %T", m)
			}
			return hf.SaveJSON(dir, m, GPTNeoXConfigJSON(mm.Cfg))
		},
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*GPTNeoX)
			for _, l := range m.Layers {
				for _, lin := range []*nn.Linear{l.QKV, l.Dense, l.MLP.Up, l.MLP.Down} {
					f.Linear(lin)
				}
				// scores and weighted values against T/2 keys on average, both ways
				f.Mixing(2 * float64(m.Cfg.D) * (float64(T) + 1))
			}
			f.Linear(m.Head)
		},
		LoRATargets: []string{"query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*GPTNeoX).Embed },
		Sequence: func(m lm.Model, x []float32, T int) []float32 {
			return m.(*GPTNeoX).ForwardEmbedded(precision.FP32Policy, x, 1, T)
		},
	})
	models.Register(llamaArch("llama", "Llama", 5, ParseLlamaConfig, loadLlama, LlamaConfigJSON))
	models.Register(llamaArch("olmo", "OLMo", 5, ParseOLMoConfig, loadOLMo, OLMoConfigJSON))
}

// llamaArch is the entry of the Llama stack (Llama, and OLMo: the same
// stack with a parameter-free LayerNorm and clip_qkv) under name.
func llamaArch(name, label string, order int, parse func(string, []byte) (LlamaConfig, error),
	load func(string, []byte) (lm.Model, hf.WeightRules, error), configJSON func(LlamaConfig) map[string]any) models.Arch {
	config := func(s models.Spec) LlamaConfig {
		c := DefaultLlamaConfig(s.Vocab, s.DModel, s.Layers, s.Heads)
		if name == "olmo" {
			c = DefaultOLMoConfig(s.Vocab, s.DModel, s.Layers, s.Heads)
		}
		c.KVHeads, c.I = s.KVHeads, s.FFN
		return c
	}
	return models.Arch{
		Name: name, Label: label, Order: order, Kind: models.Attention,
		Fill: func(s *models.Spec) {
			fillAttention(s)
			models.Default(&s.FFN, (8*s.DModel/3+255)/256*256)
		},
		Check: func(s *models.Spec) (string, error) {
			if f, err := checkHeads(s); err != nil {
				return f, err
			}
			if s.KVHeads <= 0 || s.Heads%s.KVHeads != 0 {
				return "kv_heads", fmt.Errorf("kv_heads must divide heads (%d)", s.Heads)
			}
			return "", nil
		},
		New: func(s models.Spec, seed uint64) (lm.Model, error) {
			return NewLlama(config(s), seed)
		},
		Footprint:   models.SpecFootprint(config),
		HFFootprint: models.ConfigFootprint(parse),
		Load:        load,
		Save: func(dir string, m lm.Model) error {
			mm, ok := m.(*Llama)
			if !ok {
				return fmt.Errorf("%s: cannot save a %T", name, m)
			}
			return hf.SaveJSON(dir, m, configJSON(mm.Cfg))
		},
		FLOPs: func(lmm lm.Model, T int, f models.FLOPCounter) {
			m := lmm.(*Llama)
			c := m.Cfg
			for _, l := range m.Layers {
				for _, lin := range []*nn.Linear{l.Q, l.K, l.V, l.O, l.MLP.Gate, l.MLP.Up, l.MLP.Down} {
					f.Linear(lin)
				}
				f.Mixing(2 * float64(c.Heads*c.HeadDim) * (float64(T) + 1))
			}
			f.Linear(m.Head)
		},
		LoRATargets: []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*Llama).Embed },
		Sequence: func(m lm.Model, x []float32, T int) []float32 {
			return m.(*Llama).ForwardEmbedded(precision.FP32Policy, x, 1, T)
		},
	}
}

// fillAttention fills what both Transformers share.
func fillAttention(s *models.Spec) {
	models.Default(&s.KVHeads, s.Heads)
	models.Default(&s.MaxSeq, 2048)
}

func checkHeads(s *models.Spec) (string, error) {
	if s.Heads <= 0 || s.DModel%s.Heads != 0 {
		return "heads", fmt.Errorf("heads must be positive and divide d_model (%d)", s.DModel)
	}
	return "", nil
}

// gptNeoXConfig is the GPT-NeoX config of a filled spec.
func gptNeoXConfig(s models.Spec) GPTNeoXConfig {
	c := DefaultGPTNeoXConfig(s.Vocab, s.DModel, s.Layers, s.Heads)
	c.I, c.RotaryPct = s.FFN, s.RotaryPct
	return c
}
