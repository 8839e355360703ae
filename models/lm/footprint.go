package lm

import "fmt"

// Footprint is what a model of some config needs in memory, computed from
// the config alone (each architecture's Config.Footprint), before anything
// is allocated. Counts are float64 so that absurd sizes (a hidden_size of
// 1e9) give huge numbers instead of overflowing.
type Footprint struct {
	// Params is the number of parameters (a tied head counted once).
	Params float64
	// PerToken is the float32 values a training step keeps per token of the
	// batch (B·L tokens): the activations every layer saves for Backward,
	// the logits and their gradient, and the per-token scratch of the scan
	// or attention backward.
	PerToken float64
	// InferPerToken is the float32 values an inference forward (no
	// training tape: one layer's activations at a time, the logits, and a
	// Transformer's key/value cache of every layer) keeps per token; 0
	// where the architecture has no such pass, and InferBytes uses
	// PerToken.
	InferPerToken float64
	// Flops is the forward pass's FLOPs per token in the linear layers,
	// the output head included (2 per multiply-add, as ssmlab bench
	// counts them); Mix the per-token sequence mixing that does not grow
	// with the context (Mamba's conv and scan); Attn the attention's per
	// token and per position of context (each query sees on average
	// (T+1)/2 keys: Attn·(T+1) at length T). 0 where an architecture has
	// no count.
	Flops, Mix, Attn float64
}

// ForwardFlops is a forward pass's FLOPs per token over sequences of
// seqLen tokens.
func (f Footprint) ForwardFlops(seqLen int) float64 {
	return f.Flops + f.Mix + f.Attn*float64(seqLen+1)
}

// TrainFlops is a training step's FLOPs per token over sequences of seqLen
// tokens: the forward pass, the input gradients (each linear again) and,
// unless the base weights are frozen (LoRA: the adapters' cost is left
// out), the weight gradients; the sequence mixing's backward costs twice
// its forward.
func (f Footprint) TrainFlops(seqLen int, frozen bool) float64 {
	lin := 3.0
	if frozen {
		lin = 2
	}
	return lin*f.Flops + 3*(f.Mix+f.Attn*float64(seqLen+1))
}

// activationMargin covers what PerToken leaves out (temporaries, rounding
// copies under 16-bit policies, per-worker scratch, allocator slack). In the
// quick efficiency runs (768 tokens a step; train_resident_bytes_per_token
// less 16 bytes a parameter) Mamba (d_model 32, 2 layers) keeps 1.2 to 1.4
// times 4·PerToken, GPT-NeoX (d_model 32, 1 layer) 1.8 to 2.2 times, where
// buffers that do not grow with the batch weigh most. The estimate guards
// against sizes that cannot run, not a tight plan; SSMLAB_MEMORY overrides.
const activationMargin = 2

// ParamBytes is the float32 weights alone.
func (f Footprint) ParamBytes() float64 { return 4 * f.Params }

// TrainBytes is a training step on batch sequences of seqLen tokens:
// weights, gradients and AdamW's two moments (16 bytes a parameter) and the
// activations.
func (f Footprint) TrainBytes(batch, seqLen int) float64 {
	return 16*f.Params + activationMargin*4*f.PerToken*float64(batch)*float64(seqLen)
}

// InferBytes is a forward pass over batch sequences of seqLen tokens: the
// weights and the inference pass's activations with the same margin as
// TrainBytes (batch 1 x 512 at pythia-160m's shape: 990 MB estimated, a
// heap peak of 823 MB measured by ssmlab bench --mode infer; mamba-130m's:
// 786 MB and 682 MB). Architectures without an
// inference pass run the training forward, and PerToken, which already
// over-counts it (no gradients, no backward scratch), stands in without a
// margin.
func (f Footprint) InferBytes(batch, seqLen int) float64 {
	if f.InferPerToken == 0 {
		return 4*f.Params + 4*f.PerToken*float64(batch)*float64(seqLen)
	}
	return 4*f.Params + activationMargin*4*f.InferPerToken*float64(batch)*float64(seqLen)
}

// MaxParams bounds the models ssmlab builds (2^34 floats, 64 GiB of
// weights): each architecture's Validate refuses more, so an absurd
// config.json is an error rather than an out-of-memory crash on any
// machine.
const MaxParams = 1 << 34

// CheckParams returns an error naming arch when n exceeds MaxParams.
func CheckParams(arch string, n float64) error {
	if n > MaxParams {
		return fmt.Errorf("%s: %.3g parameters is beyond what ssmlab runs (at most %.3g)", arch, n, float64(MaxParams))
	}
	return nil
}
