package mamba2

import (
	"math"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/nn"
)

// Init sets every weight as mamba_ssm initialises a from-scratch
// MambaLMHeadModel with Mamba2 mixers, deterministically from seed:
//
//   - embeddings ~ N(0, EmbedStd²); lm_head tied (an untied one keeps
//     PyTorch's default U(±1/√D));
//   - in_proj, out_proj: PyTorch's Linear default U(±1/√fan_in), biases 0;
//     out_proj then divided by √Layers when RescalePrenorm (mamba_ssm's
//     rescale_prenorm_residual, one residual per layer);
//   - conv1d: PyTorch's Conv1d default, weight and bias U(±1/√K);
//   - dt_bias = softplus⁻¹(dt), dt = max(exp(U(log DtMin, log DtMax)), DtInitFloor);
//   - A_log = log U(AInitMin, AInitMax); D = 1; all norm weights 1.
//
// HF's Mamba2 initialisation differs: A_log = log(1, …, H), conv bias 0,
// embeddings ~ N(0, initializer_range²), no out_proj rescaling by default.
func (m *Model) Init(seed uint64) {
	c := m.cfg
	r := rand.New(rand.NewPCG(seed, 0x6d616d626132))
	normal(r, m.Embed.W, c.EmbedStd)
	for _, b := range m.Layers {
		fill(b.Norm.W, 1)
		InitMixer(r, b.Mixer, c)
	}
	fill(m.NormF.W, 1)
	if c.Untied {
		uniform(r, m.Head.W, 1/math.Sqrt(float64(c.D)))
	}
}

// InitMixer draws one mixer's weights as Init does (c.Layers is the depth
// out_proj is rescaled by).
func InitMixer(r *rand.Rand, x *Mixer, c Config) {
	uniform(r, x.InProj.W, 1/math.Sqrt(float64(c.D)))
	zero(x.InProj.B)
	uniform(r, x.Conv.W, 1/math.Sqrt(float64(c.K)))
	if x.Conv.B != nil {
		uniform(r, x.Conv.B, 1/math.Sqrt(float64(c.K)))
	}
	lo, hi := math.Log(c.DtMin), math.Log(c.DtMax)
	for h := range x.DtBias.Value.Data {
		dt := math.Max(math.Exp(lo+r.Float64()*(hi-lo)), c.DtInitFloor)
		x.DtBias.Value.Data[h] = float32(dt + math.Log(-math.Expm1(-dt))) // softplus⁻¹
	}
	for h := range x.ALog.Value.Data {
		x.ALog.Value.Data[h] = float32(math.Log(c.AInitMin + r.Float64()*(c.AInitMax-c.AInitMin)))
	}
	fill(x.Dskip, 1)
	fill(x.Norm, 1)
	bound := 1 / math.Sqrt(float64(c.E()))
	if c.RescalePrenorm {
		bound /= math.Sqrt(float64(c.Layers))
	}
	uniform(r, x.OutProj.W, bound)
	zero(x.OutProj.B)
}

func normal(r *rand.Rand, p *nn.Param, std float64) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(r.NormFloat64() * std)
	}
}

func uniform(r *rand.Rand, p *nn.Param, bound float64) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32((2*r.Float64() - 1) * bound)
	}
}

func fill(p *nn.Param, v float32) {
	for i := range p.Value.Data {
		p.Value.Data[i] = v
	}
}

func zero(p *nn.Param) {
	if p != nil {
		clear(p.Value.Data)
	}
}
