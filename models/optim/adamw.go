package optim

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// AdamWConfig holds AdamW's hyperparameters.
type AdamWConfig struct {
	Beta1, Beta2 float64 // default 0.9, 0.999
	Eps          float64 // default 1e-8
	WeightDecay  float64 // decoupled; applied to params without NoDecay
}

// AdamW is torch.optim.AdamW (amsgrad off, maximize off). State is kept only
// for the parameters it was given, so frozen weights cost nothing.
type AdamW struct {
	Config AdamWConfig
	Params []*nn.Param
	M, V   [][]float32 // first and second moments, one per param
	Step   int         // number of updates taken
}

// NewAdamW allocates zero moments for the trainable params (frozen ones are
// skipped). Zero Beta/Eps fields take PyTorch's defaults.
func NewAdamW(params []*nn.Param, cfg AdamWConfig) *AdamW {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	o := &AdamW{Config: cfg}
	for _, p := range nn.Trainable(params) {
		o.Params = append(o.Params, p)
		o.M = append(o.M, make([]float32, p.Value.Numel()))
		o.V = append(o.V, make([]float32, p.Value.Numel()))
	}
	return o
}

// Update applies one AdamW step with learning rate lr, in PyTorch's order:
// p *= 1 − lr·wd; m = lerp(m, g, 1−β1); v = β2·v + (1−β2)·g²;
// p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps). Under a pure policy the
// weights are then rounded to its 16-bit type.
func (o *AdamW) Update(lr float64, pol precision.Policy) {
	o.Step++
	c := o.Config
	bc1 := 1 - math.Pow(c.Beta1, float64(o.Step))
	bc2 := 1 - math.Pow(c.Beta2, float64(o.Step))
	stepSize := float32(lr / bc1)
	bc2sqrt := float32(math.Sqrt(bc2))
	w1, b2, w2, eps := float32(1-c.Beta1), float32(c.Beta2), float32(1-c.Beta2), float32(c.Eps)
	for i, p := range o.Params {
		decay := !p.NoDecay && c.WeightDecay != 0
		// elementwise, so chunks of a large parameter update in parallel
		tensor.Parallel(len(p.Value.Data), 1<<15, func(lo, hi int) {
			w, g, m, v := p.Value.Data[lo:hi], p.Grad.Data[lo:hi], o.M[i][lo:hi], o.V[i][lo:hi]
			if decay {
				kern.Scale(w, float32(1-lr*c.WeightDecay))
			}
			kern.AdamW(w, g, m, v, w1, b2, w2, bc2sqrt, eps, stepSize) // 8 lanes, bit-identical to the plain loop
			if pol.PureWeights {
				pol.Compute.RoundSlice(w)
			}
		})
	}
}

// Check verifies the optimizer state matches params by name and size (after
// a checkpoint load).
func (o *AdamW) Check() error {
	for i, p := range o.Params {
		if len(o.M[i]) != p.Value.Numel() || len(o.V[i]) != p.Value.Numel() {
			return fmt.Errorf("optimizer state for %s has %d values, the parameter %d", p.Name, len(o.M[i]), p.Value.Numel())
		}
	}
	return nil
}
