package nn

import "github.com/ssmlab/ssmlab/models/precision"

// EmbeddingAdapter adds a learned update to an Embedding's output:
// out += Δ(ids). LoRA implements it (PEFT's lora_embedding_A/B).
type EmbeddingAdapter interface {
	// AdapterForward adds the adapter's rows for ids to out (len(ids) x D).
	AdapterForward(pol precision.Policy, out []float32, ids []int)
	// AdapterBackward accumulates the adapter's parameter gradients for the
	// upstream gradient dout (len(ids) x D).
	AdapterBackward(pol precision.Policy, dout []float32, ids []int)
	// AdapterParams returns the adapter's parameters.
	AdapterParams() []*Param
}

// Embedding maps token ids to rows of W (V x D). It is not autocast: its
// output has the weights' type (fp32 master weights under AMP).
type Embedding struct {
	W       *Param // (V, D)
	V, D    int
	Adapter EmbeddingAdapter // nil unless adapted
}

// NewEmbedding allocates a zero embedding called name+".weight".
func NewEmbedding(name string, v, d int) *Embedding {
	return &Embedding{W: NewParam(name+".weight", true, v, d), V: v, D: d}
}

// Forward writes out (len(ids) x D). Ids must be in [0, V); callers check
// user input before it reaches here. An adapter runs under fp32; models
// that run 16-bit policies call ForwardPolicy.
func (e *Embedding) Forward(out []float32, ids []int) {
	e.ForwardPolicy(precision.FP32Policy, out, ids)
}

// ForwardPolicy is Forward with the policy an adapter computes under (the
// lookup itself is exact whatever the policy).
func (e *Embedding) ForwardPolicy(pol precision.Policy, out []float32, ids []int) {
	w := e.W.Value.Data
	for i, id := range ids {
		copy(out[i*e.D:(i+1)*e.D], w[id*e.D:(id+1)*e.D])
	}
	if e.Adapter != nil {
		e.Adapter.AdapterForward(pol, out, ids)
	}
}

// Backward accumulates dout into the rows of dW picked by ids.
func (e *Embedding) Backward(dout []float32, ids []int) {
	e.BackwardPolicy(precision.FP32Policy, dout, ids)
}

// BackwardPolicy is Backward with the policy of the matching ForwardPolicy.
func (e *Embedding) BackwardPolicy(pol precision.Policy, dout []float32, ids []int) {
	if g := e.W.G(); g != nil {
		for i, id := range ids {
			row := g[id*e.D : (id+1)*e.D]
			for j, v := range dout[i*e.D : (i+1)*e.D] {
				row[j] += v
			}
		}
	}
	if e.Adapter != nil {
		e.Adapter.AdapterBackward(pol, dout, ids)
	}
}
