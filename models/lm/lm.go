// Package lm declares what every causal language model of the harness
// offers (Mamba, Mamba-2, hybrid stacks, GPT-NeoX, Llama, OLMo, the tanh
// RNN control), so the trainer, the forward command and the experiments
// treat them alike, plus what they share: the sequence-mixer interface, the
// pre-norm residual stack, the loss and the memory footprint. Architectures
// implement Model without importing each other (a hybrid stack imports the
// mixers it interleaves).
package lm

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Model is a causal language model.
//
// Forward keeps the activations that Backward needs, so one forward pass may
// be in flight per model value; Backward must follow the Forward it
// differentiates, with the same policy.
type Model interface {
	// Arch names the architecture as HF's model_type does: "mamba",
	// "mamba2", "hybrid", "gpt_neox", "llama", "olmo", or "rnn" (the tanh RNN control).
	Arch() string
	// VocabSize is the number of logits per position.
	VocabSize() int
	// Params lists every parameter once, in a fixed order, under its
	// Hugging Face checkpoint name (a tied lm_head is not listed again).
	Params() []*nn.Param
	// Forward returns the logits (B*T*V, row-major) for ids (B*T). They
	// belong to the model until its next Forward (callers that keep them
	// copy them), so steps reuse one buffer.
	Forward(pol precision.Policy, ids []int, B, T int) []float32
	// Backward accumulates parameter gradients for d loss / d logits.
	Backward(pol precision.Policy, dlogits []float32)
	// Linears returns the model's linear layers by module path (the HF
	// parameter name without ".weight"), which LoRA adapts by name.
	Linears() map[string]*nn.Linear
}

// Inferer is a model with a forward pass that keeps no training tape
// (Mamba, Mamba-2, hybrid stacks, GPT-NeoX, Llama, OLMo, the RNN
// control): Infer returns Forward's logits holding one layer's
// activations at a time, in buffers of its own (they belong to the model
// until its next Infer), and leaves the last Forward's activations to its
// Backward.
type Inferer interface {
	Infer(pol precision.Policy, ids []int, B, T int) []float32
}

// Infer returns m's logits for ids (B·T) without a training tape where m
// has such a pass (Inferer), else Forward's: what a forward pass that
// needs no gradients calls. A model that holds a training tape already (one
// being trained) may run Forward instead, which reuses the tape's buffers.
func Infer(m Model, pol precision.Policy, ids []int, B, T int) []float32 {
	if inf, ok := m.(Inferer); ok {
		return inf.Infer(pol, ids, B, T)
	}
	return m.Forward(pol, ids, B, T)
}

// Mixer is one sequence-mixing layer of a residual stack: what Mamba's and
// Mamba-2's mixers and self-attention (transformer.Attention) have in
// common, so a stack may interleave them (models/hybrid). in and out are
// (B, T, D), row-major; Forward keeps what Backward needs, so one forward
// may be in flight per mixer. Backward writes dx, the gradient of in, for
// the upstream gradient dout (on the compute grid under a 16-bit policy),
// and accumulates every parameter gradient.
type Mixer interface {
	Forward(pol precision.Policy, out, in []float32, B, T int)
	Backward(pol precision.Policy, dx, dout []float32)
	// Params lists the mixer's parameters in a fixed order.
	Params() []*nn.Param
	// Linears returns the mixer's linear layers by module path.
	Linears() map[string]*nn.Linear
}

// Embedder is implemented by models whose token embedding LoRA may adapt.
type Embedder interface {
	Embeddings() map[string]*nn.Embedding
}

// CheckIDs reports the first token id outside [0, vocab) as an error naming
// source (the file it came from) and the position.
func CheckIDs(source string, ids []int, B, T, vocab int) error {
	if len(ids) != B*T {
		return fmt.Errorf("%s: %d token ids for shape [%d, %d]", source, len(ids), B, T)
	}
	for i, id := range ids {
		if id < 0 || id >= vocab {
			return fmt.Errorf("%s: token id %d at [%d, %d] is outside the model's vocabulary [0, %d)", source, id, i/T, i%T, vocab)
		}
	}
	return nil
}

// Loss runs the model on ids and returns the mean next-token cross-entropy
// over targets (nn.ShiftLabels(ids) for plain language modelling; other
// targets mask prompts or pick labelled positions). With backward it also
// accumulates the parameter gradients of loss·scale (scale is the fp16 loss
// scale, 1 otherwise). The loss itself is computed in float32 logits'
// float64 log-sum-exp, as PyTorch upcasts logits before the loss.
//
// The gradient of the logits lives in a buffer reused across calls (models
// do not keep dlogits after Backward), so a training step allocates nothing
// for it.
func Loss(m Model, pol precision.Policy, ids, targets []int, B, T int, backward bool, scale float32) float64 {
	logits := m.Forward(pol, ids, B, T)
	V := m.VocabSize()
	var dlogits []float32
	if backward {
		buf := dlogitsBufs.Get()
		defer dlogitsBufs.Put(buf)
		dlogits = scratch.Float32s(buf, len(logits))
	}
	loss, _ := nn.CrossEntropy(dlogits, logits, targets, B*T, V, scale)
	if backward {
		// the gradient of float logits flows back into the 16-bit lm_head output
		pol.Act(dlogits)
		m.Backward(pol, dlogits)
	}
	return loss
}

var dlogitsBufs scratch.List[[]float32]

// LastPositions returns the index of the last position of each of B
// sequences of T tokens (b·T + T − 1): the rows whose logits predict the
// token after each prompt.
func LastPositions(B, T int) []int {
	pos := make([]int, B)
	for b := range pos {
		pos[b] = b*T + T - 1
	}
	return pos
}
