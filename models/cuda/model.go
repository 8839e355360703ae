package cuda

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/transformer"
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

// Upload returns the GPU twin of a CPU model, with its weights copied.
func Upload(d *Device, m lm.Model) (LM, error) {
	switch m := m.(type) {
	case *mamba.Model:
		g, err := NewMamba(d, m)
		if err != nil {
			return nil, err
		}
		return g, nil
	case *transformer.GPTNeoX:
		g, err := NewNeoX(d, m)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, fmt.Errorf("%s is not on the GPU yet (mamba and gpt_neox are)", m.Arch())
}

// Supported says whether Upload takes models of architecture arch.
func Supported(arch string) bool { return arch == "mamba" || arch == "gpt_neox" }
