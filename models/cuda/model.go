package cuda

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/precision"
)

// LM is a language model on the GPU: the forward pass, its logits and
// its loss. Mamba and NeoX implement it.
type LM interface {
	// Forward runs the model on ids (B·T) and keeps the logits (B·T, V)
	// on the device until the next Forward.
	Forward(ids []int, B, T int) error
	// Logits copies the last Forward's logits to the host.
	Logits() ([]float32, error)
	// Loss is the mean cross-entropy of the last logits over targets
	// (negative targets are skipped) and the number of rows counted.
	Loss(targets []int) (float64, int, error)
	// Free returns the model's device memory to the allocator.
	Free()
}

// Upload returns the GPU twin of a CPU model, with its weights copied, for
// inference under pol: fp32, or bf16 autocast (Mamba), or bf16/fp16
// autocast (GPT-NeoX, also a *lora.Model wrapping one).
func Upload(d *Device, m lm.Model, pol precision.Policy) (LM, error) {
	if m.Arch() == "gpt_neox" {
		if _, err := precOf(pol); err != nil {
			return nil, err
		}
		return NewNeoXPolicy(d, m, pol)
	}
	bf16 := pol.Compute == precision.BF16
	if pol.PureWeights || pol.Compute == precision.FP16 {
		return nil, fmt.Errorf("%s under %s is not on the GPU yet (fp32 and bf16 for mamba; fp16 too for gpt_neox)", m.Arch(), pol)
	}
	if m, ok := m.(*mamba.Model); ok {
		g, err := NewMambaPolicy(d, m, bf16)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, fmt.Errorf("%s is not on the GPU yet (mamba and gpt_neox are)", m.Arch())
}

// Supported says whether Upload takes models of architecture arch.
func Supported(arch string) bool { return arch == "mamba" || arch == "gpt_neox" }
