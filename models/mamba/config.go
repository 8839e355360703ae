package mamba

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/lm"
)

// Config holds the architecture and the from-scratch initialisation
// settings. Every default lives in DefaultConfig; HF config.json files map
// onto it in hfconfig.go.
type Config struct {
	Vocab    int     // V, the embedding rows (already padded)
	D        int     // model width
	Layers   int     // number of blocks
	N        int     // SSM state size
	K        int     // conv width
	Expand   int     // E = Expand·D
	DtRank   int     // R; 0 means "auto" = ceil(D/16)
	Eps      float32 // RMSNorm epsilon
	ConvBias bool    // conv1d has a bias (mamba_ssm default)
	Bias     bool    // in_proj and out_proj have biases (HF use_bias)
	Untied   bool    // lm_head has its own weight (tie_word_embeddings false)

	// Initialisation (mamba_ssm Mamba.__init__ and _init_weights, docs/models.md).
	DtMin, DtMax, DtInitFloor float64 // log-uniform range and floor of softplus(dt bias)
	DtScale                   float64 // dt_proj.weight ~ U(±DtScale/sqrt(R))
	DtInit                    string  // "random" or "constant"
	EmbedStd                  float64 // embedding ~ N(0, EmbedStd²)
	RescalePrenorm            bool    // out_proj /= sqrt(Layers)

	// Extra holds the config.json keys ssmlab does not interpret (token ids,
	// transformers_version, ...), written back unchanged by Save.
	Extra map[string]json.RawMessage
}

// DefaultConfig returns mamba_ssm's defaults for a model of width d, depth
// layers and vocabulary vocab.
func DefaultConfig(vocab, d, layers int) Config {
	return Config{
		Vocab: vocab, D: d, Layers: layers, N: 16, K: 4, Expand: 2, Eps: 1e-5, ConvBias: true,
		DtMin: 0.001, DtMax: 0.1, DtInitFloor: 1e-4, DtScale: 1, DtInit: "random",
		EmbedStd: 0.02, RescalePrenorm: true,
	}
}

// E returns the inner width expand·D.
func (c Config) E() int { return c.Expand * c.D }

// R returns the dt rank, resolving "auto" (0) to ceil(D/16).
func (c Config) R() int {
	if c.DtRank > 0 {
		return c.DtRank
	}
	return int(math.Ceil(float64(c.D) / 16))
}

// Validate reports the first setting that cannot build a model.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"vocab size", c.Vocab}, {"model width", c.D}, {"layers", c.Layers}, {"state size", c.N},
		{"conv kernel", c.K}, {"expand", c.Expand}} {
		if f.v <= 0 {
			return fmt.Errorf("mamba: %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.DtRank < 0 {
		return fmt.Errorf("mamba: dt rank must be positive or auto, got %d", c.DtRank)
	}
	if err := lm.CheckParams("mamba", c.paramCount()); err != nil {
		return err
	}
	if !(c.Eps > 0) {
		return fmt.Errorf("mamba: norm epsilon must be positive, got %g", c.Eps)
	}
	return nil
}

// Footprint implements the memory estimate from the config alone: the
// parameters, and per token per layer what a training step keeps for
// Backward (the block input and norm, in_proj's x and z (2E), the conv
// output and its SiLU, x_proj's dt, B, C (R+2N), dt_proj's output and its
// softplus, the scan output, the gated output and out_proj's (3D+8E+R+2N)),
// plus the logits and their gradient (2V), the embedding (D) and the scan
// backward's per-token partial sums (2·16·N).
func (c Config) Footprint() lm.Footprint {
	D, E, N, R, V := float64(c.D), float64(c.Expand)*float64(c.D), float64(c.N), float64(c.R()), float64(c.Vocab)
	L, K := float64(c.Layers), float64(c.K)
	return lm.Footprint{Params: c.paramCount(), PerToken: L*(3*D+8*E+R+2*N) + 2*V + D + 32*N,
		// Infer: one layer's values and the logits
		InferPerToken: 3*D + 8*E + R + 2*N + V + D,
		// in_proj, x_proj, dt_proj, out_proj and the head; conv and scan
		Flops: 2*L*(2*E*D+E*(R+2*N)+R*E+E*D) + 2*V*D, Mix: L * (2*E*K + 8*E*N)}
}

// paramCount returns the number of parameters c implies, in float64 so
// absurd sizes cannot overflow.
func (c Config) paramCount() float64 {
	D, E, N, R, K, V := float64(c.D), float64(c.Expand)*float64(c.D), float64(c.N), float64(c.R()), float64(c.K), float64(c.Vocab)
	layer := 2*E*D + E*(K+1) + (R+2*N)*E + E*R + E + E*N + E + D*E + D
	n := V*D + float64(c.Layers)*layer + D
	if c.Untied {
		n += V * D
	}
	return n
}

// validateInit reports an initialisation setting New cannot use. Loading a
// checkpoint ignores these settings, so only New checks them.
func (c Config) validateInit() error {
	if c.DtInit != "random" && c.DtInit != "constant" {
		return fmt.Errorf("mamba: dt init %q (want random or constant)", c.DtInit)
	}
	if !(c.DtMin > 0 && c.DtMax >= c.DtMin) {
		return fmt.Errorf("mamba: need 0 < dt_min <= dt_max, got %g, %g", c.DtMin, c.DtMax)
	}
	return nil
}
