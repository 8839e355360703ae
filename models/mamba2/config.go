package mamba2

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/lm"
)

// Config holds the architecture and the from-scratch initialisation
// settings. Every default lives in DefaultConfig; the HF config.json mapping
// is in models/hf/mamba2.go.
type Config struct {
	Vocab        int        // V
	D            int        // model width (hidden_size)
	Layers       int        // number of blocks
	Expand       int        // E = Expand·D
	HeadDim      int        // P; H = E/P
	Groups       int        // G (n_groups); divides H
	N            int        // state size
	K            int        // conv width
	ChunkSize    int        // Q of the chunked scan (changes speed, not the result)
	Eps          float32    // RMSNorm epsilon (block norms, gated norm, final norm)
	Bias         bool       // in_proj and out_proj have biases (use_bias)
	ConvBias     bool       // conv1d has a bias (use_conv_bias)
	Untied       bool       // lm_head has its own weight (tie_word_embeddings false)
	DtLimit      [2]float64 // dt is clamped to [lo, hi] (time_step_limit)
	ResidualFP32 bool       // residual stream kept in fp32 under the -pure policies

	// Token ids recorded in config.json; they do not change the math.
	BOS, EOS, Pad int

	// Initialisation (mamba_ssm Mamba2.__init__ and MambaLMHeadModel._init_weights).
	AInitMin, AInitMax        float64 // A = U(AInitMin, AInitMax), A_log = log A
	DtMin, DtMax, DtInitFloor float64 // softplus(dt_bias) log-uniform in [DtMin, DtMax], floored
	EmbedStd                  float64 // embeddings ~ N(0, EmbedStd²)
	RescalePrenorm            bool    // out_proj.weight /= sqrt(Layers)
}

// DefaultConfig returns mamba_ssm's Mamba2 defaults (d_state 128, d_conv 4,
// expand 2, headdim 64, ngroups 1, A ~ U(1, 16), dt in [0.001, 0.1]
// floored at 1e-4, rescaled out_proj) for width d, depth layers and
// vocabulary vocab. 2·d must be a multiple of 64; small models set HeadDim
// (and N) themselves. The chunk size is 64, not mamba_ssm's 256 (tuned for
// GPUs): on CPUs 64 is faster here (BenchmarkScan), and it does not change
// the result.
func DefaultConfig(vocab, d, layers int) Config {
	return Config{
		Vocab: vocab, D: d, Layers: layers, Expand: 2, HeadDim: 64, Groups: 1, N: 128, K: 4,
		ChunkSize: 64, Eps: 1e-5, ConvBias: true, DtLimit: [2]float64{0, math.Inf(1)},
		ResidualFP32: true, BOS: 0, EOS: 2, Pad: 1,
		AInitMin: 1, AInitMax: 16, DtMin: 0.001, DtMax: 0.1, DtInitFloor: 1e-4,
		EmbedStd: 0.02, RescalePrenorm: true,
	}
}

// E returns the inner width Expand·D.
func (c Config) E() int { return c.Expand * c.D }

// H returns the number of heads E/P.
func (c Config) H() int { return c.E() / c.HeadDim }

// ConvDim returns the conv channels E + 2·G·N (x, B and C).
func (c Config) ConvDim() int { return c.E() + 2*c.Groups*c.N }

// ProjDim returns in_proj's output width: z (E), xBC (ConvDim), dt (H).
func (c Config) ProjDim() int { return c.E() + c.ConvDim() + c.H() }

// Footprint implements the memory estimate from the config alone (float64,
// so absurd sizes cannot overflow). Per token per layer a training step
// keeps the block input and norm and out_proj's output (3D), in_proj's
// output and its gradient (2·ProjDim), the conv output and its SiLU
// (2·ConvDim), the scan output, gate, gated norm and its input (4E), dt and
// its softplus (2H), and the chunk states (E·N/Q); plus the logits and
// their gradient (2V) and the embedding (D).
func (c Config) Footprint() lm.Footprint {
	D, V, L := float64(c.D), float64(c.Vocab), float64(c.Layers)
	E := float64(c.Expand) * D
	N, K := float64(c.N), float64(c.K)
	H := E / math.Max(float64(c.HeadDim), 1)
	conv := E + 2*float64(c.Groups)*N
	proj := E + conv + H
	layer := D*proj + conv*K + 3*H + E + E*D + D
	if c.Bias {
		layer += proj + D
	}
	if c.ConvBias {
		layer += conv
	}
	p := V*D + L*layer + D
	if c.Untied {
		p += V * D
	}
	per := L*(3*D+2*proj+2*conv+4*E+2*H+E*N/math.Max(float64(c.ChunkSize), 1)) + 2*V + D
	// in_proj, out_proj and the head; conv and scan
	infer := 3*D + 2*proj + 2*conv + 4*E + 2*H + E*N/math.Max(float64(c.ChunkSize), 1) + V + D // Infer: one layer and the logits
	return lm.Footprint{Params: p, PerToken: per, InferPerToken: infer, Flops: 2*L*(D*proj+E*D) + 2*V*D, Mix: L * (2*conv*K + 8*E*N)}
}

// Validate reports the first setting that cannot build a model.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"vocab size", c.Vocab}, {"model width", c.D}, {"layers", c.Layers}, {"expand", c.Expand},
		{"head dim", c.HeadDim}, {"groups", c.Groups}, {"state size", c.N}, {"conv kernel", c.K},
		{"chunk size", c.ChunkSize}} {
		if f.v <= 0 {
			return fmt.Errorf("mamba2: %s must be positive, got %d", f.name, f.v)
		}
	}
	if err := lm.CheckParams("mamba2", c.Footprint().Params); err != nil {
		return err
	}
	if c.E()%c.HeadDim != 0 {
		return fmt.Errorf("mamba2: inner width %d (expand %d × width %d) is not a multiple of head dim %d", c.E(), c.Expand, c.D, c.HeadDim)
	}
	if c.H()%c.Groups != 0 {
		return fmt.Errorf("mamba2: %d heads do not split into %d groups", c.H(), c.Groups)
	}
	if !(c.Eps > 0) {
		return fmt.Errorf("mamba2: norm epsilon must be positive, got %g", c.Eps)
	}
	if !(c.DtLimit[0] >= 0 && c.DtLimit[1] > c.DtLimit[0]) {
		return fmt.Errorf("mamba2: time step limit %v must satisfy 0 <= lo < hi", c.DtLimit)
	}
	if !(c.DtMin > 0 && c.DtMax >= c.DtMin && c.DtInitFloor >= 0) {
		return fmt.Errorf("mamba2: need 0 < dt_min <= dt_max and floor >= 0, got %g, %g, %g", c.DtMin, c.DtMax, c.DtInitFloor)
	}
	if !(c.AInitMin > 0 && c.AInitMax >= c.AInitMin) {
		return fmt.Errorf("mamba2: need 0 < A init min <= max, got %g, %g", c.AInitMin, c.AInitMax)
	}
	return nil
}
