package cuda

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// TrainOptions says how a Trainer updates a model on the GPU.
type TrainOptions struct {
	// Policy is fp32, or bf16/fp16 autocast with fp32 master weights and
	// optimizer state (fp16 with the dynamic loss scaler of
	// precision.LossScaler). The pure 16-bit policies are CPU-only.
	Policy precision.Policy
	// LR is AdamW's learning rate; AdamW its other hyperparameters, with
	// weight decay skipped for the parameters the CPU trainer skips
	// (optim.NoDecayName).
	LR    float64
	AdamW optim.AdamWConfig
}

// Trainer trains a GPU twin of a CPU model: full fine-tuning, or LoRA when
// the model is a *lora.Model (only the adapters are trainable; the base
// weights are uploaded frozen, in 16 bits under a 16-bit policy). Its
// parameters live on the device from NewTrainer to Free; Download writes
// them back into the CPU model, which stays the reference that loads and
// saves checkpoints and adapters.
type Trainer interface {
	// Step runs one training step on ids (B·T token ids) with next-token
	// targets (B·T; negative targets are skipped): zero the gradients,
	// forward, mean cross-entropy, backward, AdamW update (skipped, with
	// the scale halved, when fp16's scaled gradients overflow). It returns
	// the loss of the forward pass and whether the update was applied.
	Step(ids, targets []int, B, T int) (loss float64, applied bool, err error)
	// Grads runs forward and backward without updating and copies every
	// trainable parameter's gradient to the host, in the CPU model's
	// Params order (frozen ones nil): the parity tests' entry point.
	Grads(ids, targets []int, B, T int) (loss float64, grads [][]float32, err error)
	// Download copies the trained parameters into the CPU model.
	Download() error
	// Peak is the caching allocator's high-water mark in bytes since
	// NewTrainer (weights, gradients, optimizer state, activations).
	Peak() uint64
	// Free returns the trainer's device memory to the allocator.
	Free()
}

// NewTrainer uploads m (a *mamba.Model or *transformer.GPTNeoX, or a
// *lora.Model wrapping one) to d for training under o.
func NewTrainer(d *Device, m lm.Model, o TrainOptions) (Trainer, error) {
	return nil, fmt.Errorf("training %s is not on the GPU yet", m.Arch())
}
