package mamba

import (
	"math"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/nn"
)

// New returns a model initialised from scratch as mamba_ssm does it
// (docs/models.md; mamba_simple.py Mamba.__init__ and mixer_seq_simple.py
// _init_weights), deterministically from seed:
//   - embedding ~ N(0, EmbedStd²) (0.02);
//   - in_proj, x_proj, conv1d (weight and bias) and an untied lm_head keep
//     PyTorch's default kaiming_uniform(a=√5), i.e. U(±1/√fan_in);
//     linear biases are zero;
//   - dt_proj.weight ~ U(±DtScale/√R) ("random") or DtScale/√R ("constant");
//   - dt_proj.bias = softplus⁻¹(dt), dt = exp(U(ln DtMin, ln DtMax)) floored
//     at DtInitFloor, so softplus(bias) ∈ [DtMin, DtMax];
//   - A_log[e, n] = log(n+1) (S4D-real), D = 1, norms 1;
//   - out_proj re-drawn U(±1/√E) then divided by √Layers (RescalePrenorm;
//     one residual per layer since a Mamba block has no MLP).
//
// The draws differ from PyTorch's generator (math/rand/v2 PCG), so the
// weights match mamba_ssm in distribution, not value.
func New(c Config, seed uint64) (*Model, error) {
	if err := c.validateInit(); err != nil {
		return nil, err
	}
	m, err := NewZero(c)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x6d616d6261)) // "mamba"
	normal(r, m.Emb.W, c.EmbedStd)
	for _, b := range m.Layers {
		InitMixer(r, b.Mixer, c)
	}
	if c.Untied {
		uniform(r, m.Head.W, 1/math.Sqrt(float64(c.D)))
	}
	return m, nil
}

// InitMixer draws one mixer's weights as New does (c.Layers is the depth
// out_proj is rescaled by).
func InitMixer(r *rand.Rand, mx *Mixer, c Config) {
	E, N, R, K := mx.E, mx.N, mx.R, mx.K
	uniform(r, mx.InProj.W, 1/math.Sqrt(float64(c.D)))
	uniform(r, mx.Conv.W, 1/math.Sqrt(float64(K))) // fan_in = (E/groups)·K = K
	if mx.Conv.B != nil {
		uniform(r, mx.Conv.B, 1/math.Sqrt(float64(K)))
	}
	uniform(r, mx.XProj.W, 1/math.Sqrt(float64(E)))
	std := c.DtScale / math.Sqrt(float64(R))
	if c.DtInit == "constant" {
		for i := range mx.DtProj.W.Value.Data {
			mx.DtProj.W.Value.Data[i] = float32(std)
		}
	} else {
		uniform(r, mx.DtProj.W, std)
	}
	lo, hi := math.Log(c.DtMin), math.Log(c.DtMax)
	for e := range mx.DtBias.Value.Data {
		dt := math.Max(math.Exp(r.Float64()*(hi-lo)+lo), c.DtInitFloor)
		mx.DtBias.Value.Data[e] = float32(dt + math.Log(-math.Expm1(-dt))) // inverse softplus
	}
	for e := 0; e < E; e++ {
		for n := 0; n < N; n++ {
			mx.ALog.Value.Data[e*N+n] = float32(math.Log(float64(n + 1)))
		}
		mx.Dskip.Value.Data[e] = 1
	}
	bound := 1 / math.Sqrt(float64(E))
	if c.RescalePrenorm {
		bound /= math.Sqrt(float64(c.Layers))
	}
	uniform(r, mx.OutProj.W, bound)
}

func uniform(r *rand.Rand, p *nn.Param, bound float64) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32((2*r.Float64() - 1) * bound)
	}
}

func normal(r *rand.Rand, p *nn.Param, std float64) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(r.NormFloat64() * std)
	}
}
