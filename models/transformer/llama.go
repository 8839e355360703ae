package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Llama is LlamaForCausalLM, parameters named as in HF checkpoints.
type Llama struct {
	Cfg    LlamaConfig
	Embed  *nn.Embedding // model.embed_tokens (V, D)
	Layers []*LlamaLayer // model.layers.{i}
	Norm   *Norm         // model.norm (no parameters in OLMo)
	Head   *nn.Linear    // lm_head (V, D), no bias; shares Embed.W when tied

	train   stackRun[llamaActs] // Forward's activations, kept for Backward
	inf     inferBufs
	infActs llamaActs // the one layer's activations inference computes in
}

// NewLlama returns a model initialised from scratch as HF does it (see
// Init), deterministic in seed.
func NewLlama(cfg LlamaConfig, seed uint64) (*Llama, error) {
	m, err := NewLlamaZero(cfg)
	if err != nil {
		return nil, err
	}
	m.Init(seed)
	return m, nil
}

// NewLlamaZero returns a model with zero weights (norms at 1), for
// models/hf to load a checkpoint into.
func NewLlamaZero(cfg LlamaConfig) (*Llama, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llama config: %v", err)
	}
	D, hd, eps := cfg.D, cfg.HeadDim, float32(cfg.NormEps)
	m := &Llama{Cfg: cfg,
		Embed: nn.NewEmbedding("model.embed_tokens", cfg.Vocab, D),
		Norm:  newNorm("model.norm", D, eps, cfg.ParamFreeNorm),
	}
	rot := NewRotary(hd, cfg.RopeTheta)
	for i := 0; i < cfg.Layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		m.Layers = append(m.Layers, &LlamaLayer{
			Norm1: newNorm(p+"input_layernorm", D, eps, cfg.ParamFreeNorm),
			Norm2: newNorm(p+"post_attention_layernorm", D, eps, cfg.ParamFreeNorm),
			Q:     nn.NewLinear(p+"self_attn.q_proj", D, cfg.Heads*hd, cfg.AttnBias),
			K:     nn.NewLinear(p+"self_attn.k_proj", D, cfg.KVHeads*hd, cfg.AttnBias),
			V:     nn.NewLinear(p+"self_attn.v_proj", D, cfg.KVHeads*hd, cfg.AttnBias),
			O:     nn.NewLinear(p+"self_attn.o_proj", cfg.Heads*hd, D, cfg.AttnBias),
			MLP: swiGLU{Gate: nn.NewLinear(p+"mlp.gate_proj", D, cfg.I, cfg.MLPBias),
				Up:   nn.NewLinear(p+"mlp.up_proj", D, cfg.I, cfg.MLPBias),
				Down: nn.NewLinear(p+"mlp.down_proj", cfg.I, D, cfg.MLPBias)},
			core: newCore(cfg.Heads, cfg.KVHeads, hd, rot),
			clip: float32(cfg.ClipQKV),
		})
	}
	if cfg.Tied {
		m.Head = &nn.Linear{Name: "lm_head", In: D, Out: cfg.Vocab, W: m.Embed.W}
	} else {
		m.Head = nn.NewLinear("lm_head", D, cfg.Vocab, false)
	}
	return m, nil
}

// Arch implements lm.Model: "llama", or "olmo" for an OLMo config.
func (m *Llama) Arch() string { return m.Cfg.arch() }

// VocabSize implements lm.Model.
func (m *Llama) VocabSize() int { return m.Cfg.Vocab }

// Params lists every parameter once in checkpoint order (lm_head only when untied).
func (m *Llama) Params() []*nn.Param {
	ps := []*nn.Param{m.Embed.W}
	for _, l := range m.Layers {
		ps = append(ps, l.Norm1.Params()...)
		for _, lin := range []*nn.Linear{l.Q, l.K, l.V, l.O} {
			ps = append(ps, lin.Params()...)
		}
		ps = append(ps, l.Norm2.Params()...)
		for _, lin := range []*nn.Linear{l.MLP.Gate, l.MLP.Up, l.MLP.Down} {
			ps = append(ps, lin.Params()...)
		}
	}
	ps = append(ps, m.Norm.Params()...)
	if !m.Cfg.Tied {
		ps = append(ps, m.Head.W)
	}
	return ps
}

// Linears returns the layers' linears by PEFT module path
// (model.layers.{i}.self_attn.{q,k,v,o}_proj, .mlp.{gate,up,down}_proj);
// lm_head is left out, as PEFT's "all-linear" leaves it out.
func (m *Llama) Linears() map[string]*nn.Linear {
	out := map[string]*nn.Linear{}
	for _, l := range m.Layers {
		for _, lin := range []*nn.Linear{l.Q, l.K, l.V, l.O, l.MLP.Gate, l.MLP.Up, l.MLP.Down} {
			out[lin.Name] = lin
		}
	}
	return out
}

// stack is the model's view for the shared stack code (stack.go).
func (m *Llama) stack() stack[llamaActs, *LlamaLayer] {
	return stack[llamaActs, *LlamaLayer]{embed: m.Embed, layers: m.Layers, norm: m.Norm, head: m.Head,
		D: m.Cfg.D, V: m.Cfg.Vocab, padID: m.Cfg.PadID, train: &m.train, inf: &m.inf, infActs: &m.infActs}
}

// Forward returns the logits (B·T, V) of ids (B·T) and keeps what Backward needs.
func (m *Llama) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	return m.stack().forward(pol, ids, B, T)
}

// ForwardEmbedded is Forward from input embeddings x (B·T, D) in place of
// the token lookup: the entry point for perturbing inputs (the Lyapunov
// experiment's output deviation). A Backward that follows accumulates every
// gradient except the embedding table's, which no lookup used.
func (m *Llama) ForwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32 {
	return m.stack().forwardEmbedded(pol, x, B, T)
}

// Backward accumulates the parameter gradients for dlogits (B·T, V) of the
// last Forward. The pad_token_id row of the embedding gets no gradient
// (nn.Embedding's padding_idx).
func (m *Llama) Backward(pol precision.Policy, dlogits []float32) {
	m.stack().backward(pol, dlogits)
}

// NewCache returns an empty KV cache for B sequences.
func (m *Llama) NewCache(B int) *Cache {
	return newCache(B, len(m.Layers), m.Cfg.KVHeads, m.Cfg.HeadDim)
}
