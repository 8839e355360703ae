package nn

import "github.com/ssmlab/ssmlab/models/tensor"

// Param is one named parameter: its value, its gradient (nil while frozen,
// so frozen weights cost no gradient memory) and its optimizer flags.
// Models return their parameters as one ordered []*Param list that drives
// allocation, loading, the optimizer, checkpoints and the parameter count.
type Param struct {
	Name    string         // the Hugging Face checkpoint name
	Value   *tensor.Tensor // the weights (fp32 master copy)
	Grad    *tensor.Tensor // d loss / d Value; nil when Frozen
	NoDecay bool           // excluded from weight decay (biases, norms, A_log, D, embeddings)
	Frozen  bool           // not trained (LoRA base weights)
}

// NewParam allocates a zero parameter and its gradient.
func NewParam(name string, noDecay bool, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(shape...), Grad: tensor.New(shape...), NoDecay: noDecay}
}

// Freeze marks p as not trained and releases its gradient.
func (p *Param) Freeze() { p.Frozen, p.Grad = true, nil }

// Unfreeze marks p as trained and allocates a zero gradient.
func (p *Param) Unfreeze() {
	p.Frozen = false
	if p.Grad == nil {
		p.Grad = tensor.New(p.Value.Shape...)
	}
}

// G returns the gradient slice, or nil when p is frozen. Backward code
// accumulates into it only when it is non-nil.
func (p *Param) G() []float32 {
	if p == nil || p.Grad == nil {
		return nil
	}
	return p.Grad.Data
}

// ZeroGrads clears every gradient of ps.
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		if p.Grad != nil {
			// In parallel blocks: a 160M-parameter model's gradients
			// take tens of milliseconds to clear on one core.
			d := p.Grad.Data
			tensor.ParallelBlocks(len(d), 1<<16, func(lo, hi int) { clear(d[lo:hi]) })
		}
	}
}

// Count returns the number of scalars in ps, and how many are trainable.
// A parameter listed twice (tied) counts once.
func Count(ps []*Param) (total, trainable int) {
	seen := map[*Param]bool{}
	for _, p := range ps {
		if seen[p] {
			continue
		}
		seen[p] = true
		total += p.Value.Numel()
		if !p.Frozen {
			trainable += p.Value.Numel()
		}
	}
	return total, trainable
}

// Trainable returns the parameters of ps that are not frozen.
func Trainable(ps []*Param) []*Param {
	var out []*Param
	for _, p := range ps {
		if !p.Frozen {
			out = append(out, p)
		}
	}
	return out
}
