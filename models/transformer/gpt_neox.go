package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// GPTNeoX is GPTNeoXForCausalLM (the Pythia architecture), parameters named
// as in HF checkpoints.
type GPTNeoX struct {
	Cfg    GPTNeoXConfig
	Embed  *nn.Embedding // gpt_neox.embed_in (V, D)
	Layers []*NeoXLayer  // gpt_neox.layers.{i}
	Norm   *nn.LayerNorm // gpt_neox.final_layer_norm
	Head   *nn.Linear    // embed_out (V, D), no bias; shares Embed.W when tied

	train   neoxRun // Forward's activations, kept for Backward
	inf     inferBufs
	infActs neoxActs // the one layer's activations inference computes in
}

// neoxRun holds the activations of Forward for Backward.
type neoxRun struct {
	B, T   int
	ids    []int
	hs     [][]float32 // L+1 residual streams (B·T, D)
	hn     []float32   // final norm output (B·T, D)
	nm, nr []float32   // its mean and rstd (B·T)
	layers []neoxActs
	d0, d1 []float32 // backward ping-pong (B·T, D)
	logits []float32 // (B·T, V), returned: the model's until the next call
	bw     backScratch
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

// Forward returns the logits (B·T, V) of ids (B·T) and keeps what Backward needs.
func (m *GPTNeoX) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
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
func (m *GPTNeoX) ForwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32 {
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
func (m *GPTNeoX) forwardFrom(pol precision.Policy, r *neoxRun) []float32 {
	pureAct(pol, r.hs[0])
	for i, l := range m.Layers {
		kv := l.core.ownKV(&r.layers[i].att, r.B, r.T)
		l.forward(pol, &r.layers[i], r.hs[i+1], r.hs[i], r.B, r.T, kv)
	}
	return m.head(pol, r)
}

// head applies the final LayerNorm and embed_out to the last residual stream.
func (m *GPTNeoX) head(pol precision.Policy, r *neoxRun) []float32 {
	n := r.B * r.T
	m.Norm.Forward(r.hn, r.nm, r.nr, r.hs[len(m.Layers)], n)
	pureAct(pol, r.hn)
	r.logits = tensor.Grow(r.logits, n*m.Cfg.Vocab)
	m.Head.Forward(pol, r.logits, r.hn, n)
	return r.logits
}

// Backward accumulates the parameter gradients for dlogits (B·T, V) of the
// last Forward.
func (m *GPTNeoX) Backward(pol precision.Policy, dlogits []float32) {
	r := &m.train
	n, L := r.B*r.T, len(m.Layers)
	grow(n*m.Cfg.D, &r.d0, &r.d1)
	m.Head.Backward(pol, r.d1, dlogits, r.hn, n)
	m.Norm.Backward(r.d0, r.d1, r.hs[L], r.nm, r.nr, n)
	for i := L - 1; i >= 0; i-- {
		r.bw.swapNeoX(&r.layers[i])
		m.Layers[i].backward(pol, &r.layers[i], r.d1, r.d0, r.B, r.T)
		r.bw.swapNeoX(&r.layers[i])
		r.d0, r.d1 = r.d1, r.d0
	}
	if len(r.ids) > 0 { // not after ForwardEmbedded
		m.Embed.Backward(r.d0, r.ids)
	}
}

// NewCache returns an empty KV cache for B sequences.
func (m *GPTNeoX) NewCache(B int) *Cache {
	return newCache(B, len(m.Layers), m.Cfg.Heads, m.Cfg.HeadDim())
}

func (r *neoxRun) alloc(m *GPTNeoX, B, T int) {
	r.B, r.T = B, T
	n, L := B*T, len(m.Layers)
	if len(r.hs) != L+1 {
		r.hs, r.layers = make([][]float32, L+1), make([]neoxActs, L)
	}
	for i := range r.hs {
		r.hs[i] = tensor.Grow(r.hs[i], n*m.Cfg.D)
	}
	grow(n*m.Cfg.D, &r.hn)
	grow(n, &r.nm, &r.nr)
}
