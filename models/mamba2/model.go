package mamba2

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Block is one pre-norm residual block: h + Mixer(RMSNorm(h)) (HF
// Mamba2Block).
type Block struct {
	Norm  *nn.RMSNorm // (D)
	Mixer *Mixer

	normIn, xn, rstd []float32 // (B, L, D), (B, L, D), (B·L)
}

// Model is Mamba2ForCausalLM. It implements lm.Model.
type Model struct {
	cfg    Config
	Embed  *nn.Embedding // (V, D)
	Layers []*Block
	NormF  *nn.RMSNorm // (D)
	Head   *nn.Linear  // (V, D); its W is Embed.W when tied

	b, l      int
	ids       []int
	h         [][]float32 // h[i] (B, L, D): the input of layer i; h[Layers] enters the final norm
	hf, rstdF []float32   // final norm output and its rstd
	logits    []float32
	mixerOut  []float32
	inf       inferBufs // Infer's and Prefill's buffers, separate from Forward's
}

// New returns a model initialised from scratch as mamba_ssm does it (see
// Init), deterministic in seed.
func New(cfg Config, seed uint64) (*Model, error) {
	m, err := NewZero(cfg)
	if err != nil {
		return nil, err
	}
	m.Init(seed)
	return m, nil
}

// NewZero returns a model with zero weights, for a checkpoint to be loaded
// into Params.
func NewZero(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, Embed: nn.NewEmbedding("backbone.embeddings", cfg.Vocab, cfg.D)}
	for i := 0; i < cfg.Layers; i++ {
		p := fmt.Sprintf("backbone.layers.%d", i)
		m.Layers = append(m.Layers, &Block{
			Norm:  nn.NewRMSNorm(p+".norm", cfg.D, cfg.Eps),
			Mixer: NewMixer(cfg, p+".mixer"),
		})
	}
	m.NormF = nn.NewRMSNorm("backbone.norm_f", cfg.D, cfg.Eps)
	m.Head = nn.NewLinear("lm_head", cfg.D, cfg.Vocab, false)
	if !cfg.Untied {
		m.Head.W = m.Embed.W
	}
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Scan selects the scan kernel a model runs. Both give SeqScan's result up
// to float32 rounding and keep the same chunk-start states.
type Scan int

const (
	// Chunked is ChunkScan, the SSD algorithm built on matrix products:
	// the default, and the fastest with a BLAS backend (OpenBLAS/oneDNN
	// builds).
	Chunked Scan = iota
	// Recurrent is RecScan, the recurrence in parallel over heads: the
	// least arithmetic, competitive in pure-Go builds.
	Recurrent
)

// SetScan selects the scan kernel.
func (m *Model) SetScan(s Scan) {
	for _, b := range m.Layers {
		b.Mixer.scan = s
	}
}

// SetChunkSize changes the chunk size of the SSD scan (results are the same
// up to float32 rounding; speed and memory change).
func (m *Model) SetChunkSize(q int) {
	if q <= 0 {
		panic("mamba2: chunk size must be positive")
	}
	m.cfg.ChunkSize = q
	for _, b := range m.Layers {
		b.Mixer.cfg.ChunkSize = q
	}
}

// Arch implements lm.Model.
func (m *Model) Arch() string { return "mamba2" }

// VocabSize implements lm.Model.
func (m *Model) VocabSize() int { return m.cfg.Vocab }

// Params implements lm.Model: HF's order, a tied lm_head not listed.
func (m *Model) Params() []*nn.Param {
	ps := []*nn.Param{m.Embed.W}
	for _, b := range m.Layers {
		ps = append(ps, b.Norm.W)
		ps = append(ps, b.Mixer.Params()...)
	}
	ps = append(ps, m.NormF.W)
	if m.cfg.Untied {
		ps = append(ps, m.Head.W)
	}
	return ps
}

// Linears implements lm.Model: every in_proj and out_proj by HF module
// path, plus an untied lm_head.
func (m *Model) Linears() map[string]*nn.Linear {
	ls := map[string]*nn.Linear{}
	for _, b := range m.Layers {
		ls[b.Mixer.InProj.Name] = b.Mixer.InProj
		ls[b.Mixer.OutProj.Name] = b.Mixer.OutProj
	}
	if m.cfg.Untied {
		ls[m.Head.Name] = m.Head
	}
	return ls
}

// Embeddings implements lm.Embedder.
func (m *Model) Embeddings() map[string]*nn.Embedding {
	return map[string]*nn.Embedding{"backbone.embeddings": m.Embed}
}

var _ lm.Model = (*Model)(nil)
var _ lm.Embedder = (*Model)(nil)

// Forward implements lm.Model: logits (B, T, V) for ids (B, T).
func (m *Model) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	if len(ids) != B*T {
		panic(fmt.Sprintf("mamba2: %d ids for shape [%d, %d]", len(ids), B, T))
	}
	D, n := m.cfg.D, B*T
	m.b, m.l, m.ids = B, T, append(m.ids[:0], ids...)
	if len(m.h) != len(m.Layers)+1 {
		m.h = make([][]float32, len(m.Layers)+1)
	}
	for i := range m.h {
		m.h[i] = tensor.Grow(m.h[i], n*D)
	}
	m.mixerOut = tensor.Grow(m.mixerOut, n*D)
	m.Embed.Forward(m.h[0], ids)
	for i, b := range m.Layers {
		b.forward(pol, m.mixerOut, m.h[i], B, T, nil, nil)
		tensor.Add(m.h[i+1], m.h[i], m.mixerOut) // residual, fp32
		if pol.PureWeights && !m.cfg.ResidualFP32 {
			pol.Act(m.h[i+1])
		}
	}
	m.hf, m.rstdF = tensor.Grow(m.hf, n*D), tensor.Grow(m.rstdF, n)
	m.NormF.Forward(m.hf, m.rstdF, m.h[len(m.Layers)], n)
	m.logits = tensor.Grow(m.logits, n*m.cfg.Vocab)
	m.Head.Forward(pol, m.logits, m.hf, n)
	return m.logits
}

func (b *Block) forward(pol precision.Policy, out, h []float32, B, T int, conv0, h0 []float32) {
	n, D := B*T, b.Norm.D
	b.normIn = h
	if pol.PureWeights { // HF casts the block input to the norm weight's type
		b.normIn = tensor.Grow(nil, n*D)
		copy(b.normIn, h)
		pol.Act(b.normIn)
	}
	b.xn, b.rstd = tensor.Grow(b.xn, n*D), tensor.Grow(b.rstd, n)
	b.Norm.Forward(b.xn, b.rstd, b.normIn, n)
	b.Mixer.forward(pol, out, b.xn, B, T, conv0, h0)
}

// Backward implements lm.Model.
func (m *Model) Backward(pol precision.Policy, dlogits []float32) {
	if m.b == 0 {
		panic("mamba2: Backward without Forward")
	}
	D, n := m.cfg.D, m.b*m.l
	mb := modelBufList.Get()
	defer modelBufList.Put(mb)
	dhf, dh, dtmp := zeroed(&mb.dhf, n*D), zeroed(&mb.dh, n*D), zeroed(&mb.dtmp, n*D)
	m.Head.Backward(pol, dhf, dlogits, m.hf, n)
	m.NormF.Backward(dh, dhf, m.h[len(m.Layers)], m.rstdF, n)
	for i := len(m.Layers) - 1; i >= 0; i-- {
		b := m.Layers[i]
		b.Mixer.Backward(pol, dtmp, dh) // dtmp = d loss / d xn
		b.Norm.Backward(dhf, dtmp, b.normIn, b.rstd, n)
		tensor.AddTo(dh, dhf) // residual
	}
	m.Embed.Backward(dh, m.ids)
}

// HiddenState returns HF's output_hidden_states[i] of the last Forward,
// (B, L, D): the output of layer i for i < Layers and the final norm's
// output for i = Layers. (Unlike Mamba v1, HF's Mamba-2 does not list the
// embeddings first.)
func (m *Model) HiddenState(i int) []float32 {
	if i == len(m.Layers) {
		return m.hf
	}
	return m.h[i+1]
}
