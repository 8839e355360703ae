package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// GPTNeoX is GPTNeoXForCausalLM (the Pythia architecture), parameters named
// as in HF checkpoints.
type GPTNeoX struct {
	Cfg    GPTNeoXConfig
	Embed  *nn.Embedding // gpt_neox.embed_in (V, D)
	Layers []*NeoXLayer  // gpt_neox.layers.{i}
	Norm   *nn.LayerNorm // gpt_neox.final_layer_norm
	Head   *nn.Linear    // embed_out (V, D), no bias; shares Embed.W when tied

	train   stackRun[neoxActs] // Forward's activations, kept for Backward
	inf     inferBufs
	infActs neoxActs // the one layer's activations inference computes in
}

// NewGPTNeoX returns a model initialised from scratch as HF does it (see
// Init), deterministic in seed.
func NewGPTNeoX(cfg GPTNeoXConfig, seed uint64) (*GPTNeoX, error) {
	m, err := NewGPTNeoXZero(cfg)
	if err != nil {
		return nil, err
	}
	m.Init(seed)
	return m, nil
}

// NewGPTNeoXZero returns a model with zero weights (norms at 1), for
// models/hf to load a checkpoint into.
func NewGPTNeoXZero(cfg GPTNeoXConfig) (*GPTNeoX, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gpt_neox config: %v", err)
	}
	D, hd := cfg.D, cfg.HeadDim()
	eps := float32(cfg.NormEps)
	m := &GPTNeoX{Cfg: cfg,
		Embed: nn.NewEmbedding("gpt_neox.embed_in", cfg.Vocab, D),
		Norm:  nn.NewLayerNorm("gpt_neox.final_layer_norm", D, eps),
	}
	rot := NewRotary(cfg.RotaryDim(), cfg.RopeTheta)
	for i := 0; i < cfg.Layers; i++ {
		p := fmt.Sprintf("gpt_neox.layers.%d.", i)
		m.Layers = append(m.Layers, &NeoXLayer{
			LN1:   nn.NewLayerNorm(p+"input_layernorm", D, eps),
			LN2:   nn.NewLayerNorm(p+"post_attention_layernorm", D, eps),
			QKV:   nn.NewLinear(p+"attention.query_key_value", D, 3*D, cfg.Bias),
			Dense: nn.NewLinear(p+"attention.dense", D, D, cfg.Bias),
			MLP: geluMLP{Up: nn.NewLinear(p+"mlp.dense_h_to_4h", D, cfg.I, true),
				Down: nn.NewLinear(p+"mlp.dense_4h_to_h", cfg.I, D, true)},
			parallel: cfg.ParallelResidual,
			core:     newCore(cfg.Heads, cfg.Heads, hd, rot),
		})
	}
	if cfg.Tied {
		m.Head = &nn.Linear{Name: "embed_out", In: D, Out: cfg.Vocab, W: m.Embed.W}
	} else {
		m.Head = nn.NewLinear("embed_out", D, cfg.Vocab, false)
	}
	return m, nil
}

// Arch implements lm.Model.
func (m *GPTNeoX) Arch() string { return "gpt_neox" }

// VocabSize implements lm.Model.
func (m *GPTNeoX) VocabSize() int { return m.Cfg.Vocab }

// Params lists every parameter once in checkpoint order (embed_out only when untied).
func (m *GPTNeoX) Params() []*nn.Param {
	ps := []*nn.Param{m.Embed.W}
	for _, l := range m.Layers {
		ps = append(ps, l.LN1.W, l.LN1.B, l.LN2.W, l.LN2.B)
		ps = append(ps, l.QKV.Params()...)
		ps = append(ps, l.Dense.Params()...)
		ps = append(ps, l.MLP.Up.Params()...)
		ps = append(ps, l.MLP.Down.Params()...)
	}
	ps = append(ps, m.Norm.W, m.Norm.B)
	if !m.Cfg.Tied {
		ps = append(ps, m.Head.W)
	}
	return ps
}

// Linears returns the layers' linears by PEFT module path
// (gpt_neox.layers.{i}.attention.query_key_value, .attention.dense,
// .mlp.dense_h_to_4h, .mlp.dense_4h_to_h). The output head is left out, as
// PEFT's "all-linear" leaves it out.
func (m *GPTNeoX) Linears() map[string]*nn.Linear {
	out := map[string]*nn.Linear{}
	for _, l := range m.Layers {
		for _, lin := range []*nn.Linear{l.QKV, l.Dense, l.MLP.Up, l.MLP.Down} {
			out[lin.Name] = lin
		}
	}
	return out
}

// stack is the model's view for the shared stack code (stack.go).
func (m *GPTNeoX) stack() stack[neoxActs, *NeoXLayer] {
	return stack[neoxActs, *NeoXLayer]{embed: m.Embed, layers: m.Layers, norm: m.Norm, head: m.Head,
		D: m.Cfg.D, V: m.Cfg.Vocab, padID: -1, train: &m.train, inf: &m.inf, infActs: &m.infActs}
}

// Forward returns the logits (B·T, V) of ids (B·T) and keeps what Backward needs.
func (m *GPTNeoX) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	return m.stack().forward(pol, ids, B, T)
}

// ForwardEmbedded is Forward from input embeddings x (B·T, D) in place of
// the token lookup: the entry point for perturbing inputs (the Lyapunov
// experiment's output deviation). A Backward that follows accumulates every
// gradient except the embedding table's, which no lookup used.
func (m *GPTNeoX) ForwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32 {
	return m.stack().forwardEmbedded(pol, x, B, T)
}

// Backward accumulates the parameter gradients for dlogits (B·T, V) of the
// last Forward.
func (m *GPTNeoX) Backward(pol precision.Policy, dlogits []float32) {
	m.stack().backward(pol, dlogits)
}

// NewCache returns an empty KV cache for B sequences.
func (m *GPTNeoX) NewCache(B int) *Cache {
	return newCache(B, len(m.Layers), m.Cfg.Heads, m.Cfg.HeadDim())
}
