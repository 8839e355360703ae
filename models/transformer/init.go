package transformer

import (
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/nn"
)

// Init draws a from-scratch model as HF's _init_weights does for GPT-NeoX:
// every Linear weight and the embedding ~ N(0, initializer_range²), biases
// 0, LayerNorm weights 1 and biases 0. Deterministic in seed (PCG).
func (m *GPTNeoX) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x6e656f78))
	std := float32(m.Cfg.InitRange)
	normal(r, m.Embed.W, std)
	for _, l := range m.Layers {
		for _, ln := range []*nn.LayerNorm{l.LN1, l.LN2} {
			fill(ln.W, 1)
			fill(ln.B, 0)
		}
		initLinears(r, std, l.QKV, l.Dense, l.MLP.Up, l.MLP.Down)
	}
	fill(m.Norm.W, 1)
	fill(m.Norm.B, 0)
	if !m.Cfg.Tied {
		normal(r, m.Head.W, std)
	}
}

// Init draws a from-scratch model as HF's _init_weights does for Llama:
// Linear weights and the embedding ~ N(0, initializer_range²) (the
// pad_token_id row zeroed), biases 0, RMSNorm weights 1. Deterministic in
// seed (PCG).
func (m *Llama) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x6c6c616d))
	std := float32(m.Cfg.InitRange)
	normal(r, m.Embed.W, std)
	if p := m.Cfg.PadID; p >= 0 {
		clear(m.Embed.W.Value.Data[p*m.Cfg.D : (p+1)*m.Cfg.D])
	}
	for _, l := range m.Layers {
		for _, w := range append(l.Norm1.Params(), l.Norm2.Params()...) {
			fill(w, 1)
		}
		initLinears(r, std, l.Q, l.K, l.V, l.O, l.MLP.Gate, l.MLP.Up, l.MLP.Down)
	}
	for _, w := range m.Norm.Params() {
		fill(w, 1)
	}
	if !m.Cfg.Tied {
		normal(r, m.Head.W, std)
	}
}

func initLinears(r *rand.Rand, std float32, ls ...*nn.Linear) {
	for _, l := range ls {
		normal(r, l.W, std)
		if l.B != nil {
			fill(l.B, 0)
		}
	}
}

func normal(r *rand.Rand, p *nn.Param, std float32) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(r.NormFloat64()) * std
	}
}

func fill(p *nn.Param, v float32) {
	for i := range p.Value.Data {
		p.Value.Data[i] = v
	}
}
