package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Llama is LlamaForCausalLM, parameters named as in HF checkpoints.
type Llama struct {
	Cfg    LlamaConfig
	Embed  *nn.Embedding // model.embed_tokens (V, D)
	Layers []*LlamaLayer // model.layers.{i}
	Norm   *Norm         // model.norm (no parameters in OLMo)
	Head   *nn.Linear    // lm_head (V, D), no bias; shares Embed.W when tied

	train   llamaRun // Forward's activations, kept for Backward
	inf     inferBufs
	infActs llamaActs // the one layer's activations inference computes in
}

// llamaRun holds the activations of Forward for Backward.
type llamaRun struct {
	B, T   int
	ids    []int
	hs     [][]float32 // L+1 residual streams (B·T, D)
	hn, nr []float32   // final norm output (B·T, D) and rstd (B·T)
	nm     []float32   // final norm mean (B·T; OLMo's LayerNorm)
	layers []llamaActs
	d0, d1 []float32 // backward ping-pong (B·T, D)
	logits []float32 // (B·T, V), returned: the model's until the next call
	bw     backScratch
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

// Forward returns the logits (B·T, V) of ids (B·T) and keeps what Backward needs.
func (m *Llama) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	r := &m.train
	r.alloc(m, B, T)
	r.ids = append(r.ids[:0], ids...)
	m.Embed.Forward(r.hs[0], ids)
	return m.forwardFrom(pol, r)
}

// ForwardEmbedded is Forward from input embeddings x (B·T, D) in place of
// the token lookup: the entry point for perturbing inputs (the Lyapunov
// experiment's output deviation). A Backward that follows accumulates every
// gradient except the embedding table's, which no lookup used.
func (m *Llama) ForwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32 {
	if len(x) != B*T*m.Cfg.D {
		panic(fmt.Sprintf("transformer: ForwardEmbedded with %d values for (%d, %d, %d)", len(x), B, T, m.Cfg.D))
	}
	r := &m.train
	r.alloc(m, B, T)
	r.ids = r.ids[:0]
	copy(r.hs[0], x)
	return m.forwardFrom(pol, r)
}

// forwardFrom runs the layers and the head on the embeddings in r.hs[0].
func (m *Llama) forwardFrom(pol precision.Policy, r *llamaRun) []float32 {
	pureAct(pol, r.hs[0])
	for i, l := range m.Layers {
		kv := l.core.ownKV(&r.layers[i].att, r.B, r.T)
		l.forward(pol, &r.layers[i], r.hs[i+1], r.hs[i], r.B, r.T, kv)
	}
	return m.head(pol, r)
}

// head applies the final RMSNorm and lm_head to the last residual stream.
func (m *Llama) head(pol precision.Policy, r *llamaRun) []float32 {
	n := r.B * r.T
	m.Norm.Forward(r.hn, r.nm, r.nr, r.hs[len(m.Layers)], n)
	pureAct(pol, r.hn)
	r.logits = tensor.Grow(r.logits, n*m.Cfg.Vocab)
	m.Head.Forward(pol, r.logits, r.hn, n)
	return r.logits
}

// Backward accumulates the parameter gradients for dlogits (B·T, V) of the
// last Forward. The pad_token_id row of the embedding gets no gradient
// (nn.Embedding's padding_idx).
func (m *Llama) Backward(pol precision.Policy, dlogits []float32) {
	r := &m.train
	n, L, D := r.B*r.T, len(m.Layers), m.Cfg.D
	grow(n*D, &r.d0, &r.d1)
	m.Head.Backward(pol, r.d1, dlogits, r.hn, n)
	m.Norm.Backward(r.d0, r.d1, r.hs[L], r.nm, r.nr, n)
	for i := L - 1; i >= 0; i-- {
		r.bw.swapLlama(&r.layers[i])
		m.Layers[i].backward(pol, &r.layers[i], r.d1, r.d0, r.B, r.T)
		r.bw.swapLlama(&r.layers[i])
		r.d0, r.d1 = r.d1, r.d0
	}
	for i, id := range r.ids {
		if id == m.Cfg.PadID {
			clear(r.d0[i*D : (i+1)*D])
		}
	}
	if len(r.ids) > 0 { // not after ForwardEmbedded
		m.Embed.Backward(r.d0, r.ids)
	}
}

// NewCache returns an empty KV cache for B sequences.
func (m *Llama) NewCache(B int) *Cache {
	return newCache(B, len(m.Layers), m.Cfg.KVHeads, m.Cfg.HeadDim)
}

func (r *llamaRun) alloc(m *Llama, B, T int) {
	r.B, r.T = B, T
	n, L := B*T, len(m.Layers)
	if len(r.hs) != L+1 {
		r.hs, r.layers = make([][]float32, L+1), make([]llamaActs, L)
	}
	for i := range r.hs {
		r.hs[i] = tensor.Grow(r.hs[i], n*m.Cfg.D)
	}
	grow(n*m.Cfg.D, &r.hn)
	grow(n, &r.nr, &r.nm)
}
