package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/tensor"
	"gonum.org/v1/gonum/mat"
)

// Config is the RNN's config.json (model_type "rnn", see hf.go).
type Config struct {
	Vocab     int     `json:"vocab_size"`
	D         int     `json:"embed_size"`        // width of x_t
	H         int     `json:"hidden_size"`       // state size
	Radius    float64 `json:"spectral_radius"`   // ρ(W) drawn by Init
	InputGain float64 `json:"input_gain"`        // Init: std of each entry of U x_t (U ~ N(0, gain²/D), E ~ N(0, 1))
	InitRange float64 `json:"initializer_range"` // Init: std of the head weights
}

// DefaultConfig returns a config with D = H, ρ = 1, input gain 0.1 and HF's 0.02
// head initialisation. Strong input drive suppresses chaos in random tanh
// networks (Rajan, Abbott & Sompolinsky 2010): at H = 64 and gain 1 the
// largest exponent at ρ = 2 is still about 0, at gain 0.1 it is about +0.1
// (ρ = 0.5: −0.7, ρ = 1: −0.06), so the control is weakly driven.
func DefaultConfig(vocab, h int) Config {
	return Config{Vocab: vocab, D: h, H: h, Radius: 1, InputGain: 0.1, InitRange: 0.02}
}

// Footprint implements the memory estimate from the config alone: the
// embedding, U, W and the head, and per token the embedding, U x + b,
// every state and its gradient (D + 3H), plus the logits and their
// gradient (2V); Infer keeps the embedding, U x + b, every state and the
// logits (D + 2H + V).
func (c Config) Footprint() lm.Footprint {
	D, H, V := float64(c.D), float64(c.H), float64(c.Vocab)
	return lm.Footprint{Params: V*D + H*D + H + H*H + V*H + V, PerToken: D + 3*H + 2*V, InferPerToken: D + 2*H + V}
}

// Validate reports the first impossible setting.
func (c Config) Validate() error {
	for _, kv := range []struct {
		k string
		v int
	}{{"vocab_size", c.Vocab}, {"embed_size", c.D}, {"hidden_size", c.H}} {
		if kv.v <= 0 {
			return fmt.Errorf("%s must be positive, have %d", kv.k, kv.v)
		}
	}
	if err := lm.CheckParams("ssmlab_rnn", c.Footprint().Params); err != nil {
		return err
	}
	if !(c.Radius >= 0) || !(c.InputGain >= 0) || !(c.InitRange >= 0) {
		return fmt.Errorf("spectral_radius, input_gain and initializer_range must be non-negative")
	}
	return nil
}

// RNN is the tanh recurrent language model.
type RNN struct {
	Cfg   Config
	Embed *nn.Embedding // embed (V, D): E
	In    *nn.Linear    // rnn.ih (H, D) with bias (H): U and b
	Rec   *nn.Linear    // rnn.hh (H, H), no bias: W
	Head  *nn.Linear    // lm_head (V, H) with bias

	// activations of the last Forward, time-major (row t·B + b)
	B, T   int
	ids    []int     // (T·B)
	x, ux  []float32 // (T·B, D), (T·B, H): embeddings, U x + b
	hs     []float32 // ((T+1)·B, H): h_0 = 0, then every state
	wh     []float32 // (B, H) scratch
	dh, dp []float32 // (B, H), (T·B, H) backward scratch
	inf    inferBufs // Infer's buffers, separate from Forward's
}

// New returns an RNN drawn by Init from seed.
func New(cfg Config, seed uint64) (*RNN, error) {
	m, err := NewZero(cfg)
	if err != nil {
		return nil, err
	}
	m.Init(seed)
	return m, nil
}

// NewZero returns an RNN with zero weights, for a checkpoint to be loaded into.
func NewZero(cfg Config) (*RNN, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rnn config: %v", err)
	}
	return &RNN{Cfg: cfg,
		Embed: nn.NewEmbedding("embed", cfg.Vocab, cfg.D),
		In:    nn.NewLinear("rnn.ih", cfg.D, cfg.H, true),
		Rec:   nn.NewLinear("rnn.hh", cfg.H, cfg.H, false),
		Head:  nn.NewLinear("lm_head", cfg.H, cfg.Vocab, true),
	}, nil
}

// Init draws E ~ N(0, 1), U ~ N(0, gain²/D), b = 0, W ~ N(0, 1/H) rescaled
// so that its spectral radius is exactly cfg.Radius, the head ~
// N(0, initializer_range²) with zero bias. Deterministic in seed (PCG).
func (m *RNN) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x726e6e))
	c := m.Cfg
	normal(r, m.Embed.W.Value.Data, 1)
	normal(r, m.In.W.Value.Data, c.InputGain/math.Sqrt(float64(c.D)))
	clear(m.In.B.Value.Data)
	w := m.Rec.W.Value.Data
	normal(r, w, 1/math.Sqrt(float64(c.H)))
	if rho := SpectralRadius(w, c.H); rho > 0 {
		tensor.Scale(w, float32(c.Radius/rho))
	}
	normal(r, m.Head.W.Value.Data, c.InitRange)
	clear(m.Head.B.Value.Data)
}

// SpectralRadius returns max |λ| over the eigenvalues of the n×n row-major w.
func SpectralRadius(w []float32, n int) float64 {
	a := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a.Set(i, j, float64(w[i*n+j]))
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(a, mat.EigenNone) {
		panic("rnn: eigen decomposition did not converge")
	}
	var rho float64
	for _, l := range eig.Values(nil) {
		rho = math.Max(rho, math.Hypot(real(l), imag(l)))
	}
	return rho
}

func normal(r *rand.Rand, x []float32, std float64) {
	for i := range x {
		x[i] = float32(r.NormFloat64() * std)
	}
}

// Arch implements lm.Model.
func (m *RNN) Arch() string { return Name }

// VocabSize implements lm.Model.
func (m *RNN) VocabSize() int { return m.Cfg.Vocab }

// Params lists every parameter: embed, rnn.ih (U, b), rnn.hh (W), lm_head.
func (m *RNN) Params() []*nn.Param {
	ps := []*nn.Param{m.Embed.W}
	ps = append(ps, m.In.Params()...)
	ps = append(ps, m.Rec.W)
	return append(ps, m.Head.Params()...)
}

// Linears returns U (rnn.ih) and W (rnn.hh); the head is left out, as in
// the Transformers.
func (m *RNN) Linears() map[string]*nn.Linear {
	return map[string]*nn.Linear{m.In.Name: m.In, m.Rec.Name: m.Rec}
}
