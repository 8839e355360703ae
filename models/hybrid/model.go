// Package hybrid is a stack whose layers interleave sequence mixers of
// different kinds, as Jamba interleaves attention and Mamba layers: each
// layer is a pre-norm residual block x ← x + Mixer(RMSNorm(x)) whose mixer
// is a Mamba mixer, a Mamba-2 mixer or causal self-attention (all
// lm.Mixer), the kinds given as a pattern repeated over the depth (e.g.
// mamba, mamba, attention). A final RMSNorm and a tied lm_head close it.
//
// It has no Hugging Face counterpart; its directory is ssmlab's own, shaped
// like one (model_type "hybrid", see hf.go), so Load, Save, forward and
// the experiments treat it like the others. The Lyapunov study measures its
// SSM layers one by one (SSMLayers), as it does Mamba's and Mamba-2's.
package hybrid

import (
	"fmt"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// Mixer kinds of a layer.
const (
	Mamba     = "mamba"
	Mamba2    = "mamba2"
	Attention = "attention"
)

// Kinds lists the mixer kinds a pattern may name.
var Kinds = []string{Mamba, Mamba2, Attention}

// Config is a hybrid stack.
type Config struct {
	Vocab, D, Layers int
	// Mixers is the pattern of mixer kinds, repeated over Layers: layer i
	// has kind Mixers[i % len(Mixers)].
	Mixers []string
	// Mamba and Mamba2 configure the layers of those kinds (their Vocab, D
	// and Layers are the stack's; Layers scales the out_proj init).
	Mamba  mamba.Config
	Mamba2 mamba2.Config
	// Attention layers: query heads, key/value heads, rotary base.
	Heads, KVHeads int
	RopeTheta      float64
	InitRange      float64 // attention projections ~ N(0, InitRange²)
	Eps            float32 // RMSNorm epsilon
	EmbedStd       float64 // embedding ~ N(0, EmbedStd²)
}

// DefaultConfig returns a stack of width d and depth layers repeating
// mixers, with mamba_ssm's defaults for the SSM layers (Mamba-2 with
// state 64 and head width min(64, 2d)), d/32 attention heads (at least
// one), rotary base 10000 and HF's 0.02 initialisation.
func DefaultConfig(vocab, d, layers int, mixers ...string) Config {
	m2 := mamba2.DefaultConfig(vocab, d, layers)
	m2.N, m2.HeadDim = 64, min(64, 2*d)
	h := max(1, d/32)
	return Config{Vocab: vocab, D: d, Layers: layers, Mixers: mixers,
		Mamba: mamba.DefaultConfig(vocab, d, layers), Mamba2: m2,
		Heads: h, KVHeads: h, RopeTheta: 10000, InitRange: 0.02, Eps: 1e-5, EmbedStd: 0.02}
}

// Kind returns the mixer kind of layer i.
func (c Config) Kind(i int) string { return c.Mixers[i%len(c.Mixers)] }

// Validate reports the first impossible setting.
func (c Config) Validate() error {
	if c.Vocab <= 0 || c.D <= 0 || c.Layers <= 0 {
		return fmt.Errorf("hybrid: vocab_size, hidden_size and num_hidden_layers must be positive")
	}
	if len(c.Mixers) == 0 {
		return fmt.Errorf("hybrid: mixers must list at least one mixer kind (%v)", Kinds)
	}
	for _, k := range c.Mixers {
		switch k {
		case Mamba, Mamba2, Attention:
		default:
			return fmt.Errorf("hybrid: unknown mixer kind %q (want one of %v)", k, Kinds)
		}
	}
	if !(c.Eps > 0) {
		return fmt.Errorf("hybrid: layer_norm_epsilon must be positive")
	}
	if p := c.Footprint().Params; p > lm.MaxParams {
		return fmt.Errorf("hybrid: %.3g parameters is more than ssmlab builds (%d)", p, int64(lm.MaxParams))
	}
	return nil
}

// Footprint estimates the model's memory from the config alone: each
// layer costs what a layer of its kind costs in that kind's own stack (an
// attention layer: its projections and norm, no MLP), plus the tied
// embedding and the final norm. Infer keeps one layer's values per mixer
// kind present, whatever the depth.
func (c Config) Footprint() lm.Footprint {
	layer := func(f func(layers int) lm.Footprint) lm.Footprint {
		one, none := f(1), f(0)
		return lm.Footprint{Params: one.Params - none.Params, PerToken: one.PerToken - none.PerToken}
	}
	D, V := float64(c.D), float64(c.Vocab)
	q := float64(c.Heads) * (D / float64(max(c.Heads, 1)))
	kv := float64(c.KVHeads) * (D / float64(max(c.Heads, 1)))
	perKind := map[string]lm.Footprint{
		Mamba: layer(func(n int) lm.Footprint {
			m := c.Mamba
			m.Vocab, m.D, m.Layers = c.Vocab, c.D, n
			return m.Footprint()
		}),
		Mamba2: layer(func(n int) lm.Footprint {
			m := c.Mamba2
			m.Vocab, m.D, m.Layers = c.Vocab, c.D, n
			return m.Footprint()
		}),
		Attention: {Params: D + D*(q+2*kv) + q*D, PerToken: 5*D + 3*q + 4*kv},
	}
	f := lm.Footprint{Params: V*D + D, PerToken: 2*V + D}
	if len(c.Mixers) == 0 {
		return f
	}
	// layer i has kind Mixers[i % len(Mixers)]: count each position's layers
	// without walking an absurd layer count
	full, rest := c.Layers/len(c.Mixers), c.Layers%len(c.Mixers)
	// Infer holds the logits, the final norm's output and one layer's
	// activations per kind present (its layers share one scratch mixer)
	f.InferPerToken = V + D
	present := map[string]bool{}
	for i, kind := range c.Mixers {
		n := float64(full)
		if i < rest {
			n++
		}
		f.Params += n * perKind[kind].Params
		f.PerToken += n * perKind[kind].PerToken
		if n > 0 && !present[kind] {
			present[kind] = true
			f.InferPerToken += perKind[kind].PerToken
		}
	}
	return f
}

// Block is one residual layer.
type Block struct {
	Kind  string
	Norm  *nn.RMSNorm
	Mixer lm.Mixer
}

// Model is the hybrid language model. It implements lm.Model.
type Model struct {
	Cfg    Config
	Emb    *nn.Embedding // "backbone.embeddings"
	Layers []*Block      // "backbone.layers.<i>.{norm,mixer}"
	NormF  *nn.RMSNorm   // "backbone.norm_f"
	Head   *nn.Linear    // "lm_head", tied to Emb

	batch, length int
	ids           []int
	stack         lm.Stack // the blocks' residual streams and activations
	blocks        []lm.Block
	hf, rstd      []float32
	logits        []float32
	dres, dtmp    []float32
	inf           inferBufs // Infer's buffers, separate from Forward's
}

// NewZero returns a model with zero weights (norms at 1), for a checkpoint
// to be loaded into.
func NewZero(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.Mamba.Vocab, c.Mamba.D, c.Mamba.Layers = c.Vocab, c.D, c.Layers
	c.Mamba2.Vocab, c.Mamba2.D, c.Mamba2.Layers = c.Vocab, c.D, c.Layers
	m := &Model{Cfg: c, Emb: nn.NewEmbedding("backbone.embeddings", c.Vocab, c.D)}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("backbone.layers.%d", i)
		b := &Block{Kind: c.Kind(i), Norm: nn.NewRMSNorm(p+".norm", c.D, c.Eps)}
		switch b.Kind {
		case Mamba:
			if err := c.Mamba.Validate(); err != nil {
				return nil, fmt.Errorf("hybrid: mamba layers: %v", err)
			}
			b.Mixer = mamba.NewMixer(c.Mamba, p+".mixer")
		case Mamba2:
			if err := c.Mamba2.Validate(); err != nil {
				return nil, fmt.Errorf("hybrid: mamba2 layers: %v", err)
			}
			b.Mixer = mamba2.NewMixer(c.Mamba2, p+".mixer")
		case Attention:
			a, err := transformer.NewAttention(p+".mixer", c.D, c.Heads, c.KVHeads, c.RopeTheta)
			if err != nil {
				return nil, fmt.Errorf("hybrid: %v", err)
			}
			b.Mixer = a
		}
		m.Layers = append(m.Layers, b)
	}
	m.NormF = nn.NewRMSNorm("backbone.norm_f", c.D, c.Eps)
	m.Head = &nn.Linear{Name: "lm_head", In: c.D, Out: c.Vocab, W: m.Emb.W}
	return m, nil
}

// New returns a model initialised from scratch, deterministic in seed:
// the embedding ~ N(0, EmbedStd²), each SSM mixer as its own package
// initialises it (mamba_ssm's rules), attention projections ~
// N(0, InitRange²), norms 1.
func New(c Config, seed uint64) (*Model, error) {
	m, err := NewZero(c)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x687962726964)) // "hybrid"
	for i := range m.Emb.W.Value.Data {
		m.Emb.W.Value.Data[i] = float32(r.NormFloat64() * c.EmbedStd)
	}
	for _, b := range m.Layers {
		switch mx := b.Mixer.(type) {
		case *mamba.Mixer:
			mamba.InitMixer(r, mx, m.Cfg.Mamba)
		case *mamba2.Mixer:
			mamba2.InitMixer(r, mx, m.Cfg.Mamba2)
		case *transformer.Attention:
			mx.Init(r, c.InitRange)
		}
	}
	return m, nil
}

// Arch implements lm.Model.
func (m *Model) Arch() string { return "hybrid" }

// VocabSize implements lm.Model.
func (m *Model) VocabSize() int { return m.Cfg.Vocab }

// Params implements lm.Model: the embedding, each layer's norm and mixer,
// the final norm (the tied head is not listed again).
func (m *Model) Params() []*nn.Param {
	ps := []*nn.Param{m.Emb.W}
	for _, b := range m.Layers {
		ps = append(ps, b.Norm.W)
		ps = append(ps, b.Mixer.Params()...)
	}
	return append(ps, m.NormF.W)
}

// Linears implements lm.Model.
func (m *Model) Linears() map[string]*nn.Linear {
	out := map[string]*nn.Linear{}
	for _, b := range m.Layers {
		for k, l := range b.Mixer.Linears() {
			out[k] = l
		}
	}
	return out
}

// Embeddings lets LoRA adapt the token embedding.
func (m *Model) Embeddings() map[string]*nn.Embedding {
	return map[string]*nn.Embedding{"backbone.embeddings": m.Emb}
}

// SSMLayers returns the indices of the Mamba and Mamba-2 layers.
func (m *Model) SSMLayers() []int {
	var out []int
	for i, b := range m.Layers {
		if b.Kind != Attention {
			out = append(out, i)
		}
	}
	return out
}

// Forward implements lm.Model: Mamba's block diagram (lm.Stack) with a
// mixer of each layer's kind.
func (m *Model) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	n, D := B*T, m.Cfg.D
	m.batch, m.length, m.ids = B, T, append(m.ids[:0], ids...)
	m.blocks = m.blocks[:0]
	for _, b := range m.Layers {
		m.blocks = append(m.blocks, lm.Block{Norm: b.Norm, Mixer: b.Mixer})
	}
	m.Emb.ForwardPolicy(pol, m.stack.Input(len(m.Layers), n, D), ids)
	last := m.stack.Forward(pol, m.blocks, B, T)
	m.hf, m.rstd = tensor.Grow(m.hf, n*D), tensor.Grow(m.rstd, n)
	m.NormF.Forward(m.hf, m.rstd, last, n)
	m.logits = tensor.Grow(m.logits, n*m.Cfg.Vocab)
	m.Head.Forward(pol, m.logits, m.hf, n)
	return m.logits
}

// Backward implements lm.Model: Forward reversed.
func (m *Model) Backward(pol precision.Policy, dlogits []float32) {
	if m.batch == 0 {
		panic("hybrid: Backward without Forward")
	}
	n, D := m.batch*m.length, m.Cfg.D
	m.dres, m.dtmp = tensor.Grow(m.dres, n*D), tensor.Grow(m.dtmp, n*D)
	m.Head.Backward(pol, m.dtmp, dlogits, m.hf, n)
	m.NormF.Backward(m.dres, m.dtmp, m.stack.Residual(len(m.Layers)), m.rstd, n)
	m.stack.Backward(pol, m.blocks, m.dres)
	m.Emb.BackwardPolicy(pol, m.dres, m.ids)
}

// LayerInput returns the input of layer i's mixer (its normed residual
// stream, (B, T, D)) along the last Forward; the slice belongs to the
// model.
func (m *Model) LayerInput(i int) []float32 { return m.stack.Normed(i) }
