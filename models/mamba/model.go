package mamba

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Block is one residual layer: x ← x + Mixer(RMSNorm(x)) (docs/models.md; HF
// MambaBlock, mamba_ssm Block with its add-then-norm rewritten as pre-norm,
// which is the same function).
type Block struct {
	Norm  *nn.RMSNorm // (D) "backbone.layers.<i>.norm"
	Mixer *Mixer
}

// Model is MambaForCausalLM. It implements lm.Model and lm.Embedder.
type Model struct {
	Cfg    Config
	Emb    *nn.Embedding // (V, D) "backbone.embeddings"
	Layers []*Block
	NormF  *nn.RMSNorm // (D) "backbone.norm_f"
	Head   *nn.Linear  // (V, D) "lm_head"; Head.W is Emb.W unless Cfg.Untied

	// activations of the last Forward
	batch, length int
	ids           []int
	stack         lm.Stack   // the blocks' residual streams and activations
	blocks        []lm.Block // Layers as the stack runs them
	hf, rstdF     []float32  // (B, L, D) final norm output, (B·L)
	logits        []float32  // (B, L, V)
	dres, dtmp    []float32  // (B, L, D) Backward scratch
	inf           inferBufs  // Infer's and Prefill's buffers, separate from Forward's
}

// NewZero returns a model with every weight zero except the norms (1):
// the shape HF checkpoints are loaded into. New initialises it.
func NewZero(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Cfg: c, Emb: nn.NewEmbedding("backbone.embeddings", c.Vocab, c.D),
		NormF: nn.NewRMSNorm("backbone.norm_f", c.D, c.Eps)}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("backbone.layers.%d", i)
		m.Layers = append(m.Layers, &Block{Norm: nn.NewRMSNorm(p+".norm", c.D, c.Eps), Mixer: NewMixer(c, p+".mixer")})
	}
	if c.Untied {
		m.Head = nn.NewLinear("lm_head", c.D, c.Vocab, false)
	} else {
		m.Head = &nn.Linear{Name: "lm_head", In: c.D, Out: c.Vocab, W: m.Emb.W}
	}
	return m, nil
}

// Arch implements lm.Model.
func (m *Model) Arch() string { return "mamba" }

// VocabSize implements lm.Model.
func (m *Model) VocabSize() int { return m.Cfg.Vocab }

// Params implements lm.Model: every parameter once, under its HF name
// (a tied lm_head is the embedding and is not listed again).
func (m *Model) Params() []*nn.Param {
	ps := []*nn.Param{m.Emb.W}
	for _, b := range m.Layers {
		ps = append(ps, b.Mixer.Params()...)
		ps = append(ps, b.Norm.W)
	}
	ps = append(ps, m.NormF.W)
	if m.Cfg.Untied {
		ps = append(ps, m.Head.W)
	}
	return ps
}

// Linears implements lm.Model: in_proj, x_proj, dt_proj and out_proj of
// every layer, and lm_head when it is untied (a tied head is the
// embedding, adapted through Embeddings).
func (m *Model) Linears() map[string]*nn.Linear {
	ls := map[string]*nn.Linear{}
	for _, b := range m.Layers {
		for _, l := range []*nn.Linear{b.Mixer.InProj, b.Mixer.XProj, b.Mixer.DtProj, b.Mixer.OutProj} {
			ls[l.Name] = l
		}
	}
	if m.Cfg.Untied {
		ls[m.Head.Name] = m.Head
	}
	return ls
}

// Embeddings implements lm.Embedder.
func (m *Model) Embeddings() map[string]*nn.Embedding {
	return map[string]*nn.Embedding{"backbone.embeddings": m.Emb}
}

// Deltas returns each layer's step sizes Δ (B, L, E) along the last Forward.
// The slices belong to the model and change with the next Forward.
func (m *Model) Deltas() [][]float32 {
	ds := make([][]float32, len(m.Layers))
	for i, b := range m.Layers {
		ds[i] = b.Mixer.Delta()
	}
	return ds
}

// Forward implements lm.Model: the block diagram of MambaForCausalLM. The
// residual stream stays fp32 (residual_in_fp32; with fp32 master weights
// the embedding output is fp32 anyway); the mixer output joins it as the
// 16-bit tensor out_proj produced. The returned logits (B, L, V) belong to
// the model until the next Forward.
func (m *Model) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	n, D := B*T, m.Cfg.D
	m.batch, m.length, m.ids = B, T, ids
	m.blocks = m.blocks[:0]
	for _, b := range m.Layers {
		m.blocks = append(m.blocks, lm.Block{Norm: b.Norm, Mixer: b.Mixer})
	}
	m.Emb.ForwardPolicy(pol, m.stack.Input(len(m.Layers), n, D), ids)
	last := m.stack.Forward(pol, m.blocks, B, T)
	m.hf, m.rstdF = tensor.Grow(m.hf, n*D), tensor.Grow(m.rstdF, n)
	m.NormF.Forward(m.hf, m.rstdF, last, n)
	m.logits = tensor.Grow(m.logits, n*m.Cfg.Vocab)
	m.Head.Forward(pol, m.logits, m.hf, n) // a half linear; its output is then used as float
	return m.logits
}

// Backward implements lm.Model: Forward's list reversed. dlogits must be
// on the compute grid under a 16-bit policy (lm.Loss rounds it).
func (m *Model) Backward(pol precision.Policy, dlogits []float32) {
	n, D := m.batch*m.length, m.Cfg.D
	m.dres, m.dtmp = tensor.Grow(m.dres, n*D), tensor.Grow(m.dtmp, n*D)
	m.Head.Backward(pol, m.dtmp, dlogits, m.hf, n)
	m.NormF.Backward(m.dres, m.dtmp, m.stack.Residual(len(m.Layers)), m.rstdF, n)
	m.stack.Backward(pol, m.blocks, m.dres)
	m.Emb.BackwardPolicy(pol, m.dres, m.ids)
}

// Scan selects the selective-scan kernels a model runs.
type Scan int

const (
	// Fused is the default: the chunked, vectorised scan and its backward
	// (assembly where the CPU has it, SSMLAB_NOASM=1 for the Go kernels).
	Fused Scan = iota
	// Reference is the plain loops of mamba_ssm's selective_scan_ref and
	// the first hand-written backward: the specification Fused is tested
	// against, slower, equal up to float32 rounding.
	Reference
)

// SetScan selects the scan kernels of every layer (Mamba-2's Model.SetScan
// is the same switch).
func (m *Model) SetScan(s Scan) {
	for _, b := range m.Layers {
		b.Mixer.scan = s
	}
}
