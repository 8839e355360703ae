package optim

import (
	"math"
	"strings"

	"github.com/ssmlab/ssmlab/models/nn"
)

// GlobalNorm returns the L2 norm of all gradients of params together.
func GlobalNorm(params []*nn.Param) float64 {
	var s float64
	for _, p := range params {
		for _, g := range p.G() {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// ClipGradNorm scales every gradient by min(1, maxNorm/(norm + 1e-6)) as
// torch.nn.utils.clip_grad_norm_ does, and returns the norm before clipping.
// maxNorm <= 0 disables clipping.
func ClipGradNorm(params []*nn.Param, maxNorm float64) float64 {
	norm := GlobalNorm(params)
	if maxNorm <= 0 {
		return norm
	}
	coef := maxNorm / (norm + 1e-6)
	if coef >= 1 {
		return norm
	}
	c := float32(coef)
	for _, p := range params {
		g := p.G()
		for i := range g {
			g[i] *= c
		}
	}
	return norm
}

// NoDecayName reports whether a parameter of this HF name is exempt from
// weight decay: biases, norm weights, Mamba's A_log and D (mamba_ssm's
// _no_weight_decay) and input embeddings (an untied output head such as
// GPT-NeoX's embed_out is decayed, as HF Trainer does).
func NoDecayName(name string) bool {
	n := strings.ToLower(name)
	for _, suffix := range []string{"bias", "a_log", ".d"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	for _, part := range []string{"norm", "embeddings", "embed_in", "embed_tokens"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// MarkNoDecay sets NoDecay on every param by NoDecayName, so the rule is
// the same whatever each model's constructor chose.
func MarkNoDecay(params []*nn.Param) {
	for _, p := range params {
		p.NoDecay = NoDecayName(p.Name)
	}
}
