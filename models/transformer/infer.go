package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Inference without a training tape. Infer, InferAt, Prefill and Step run
// the layers Forward runs, with the same kernels in the same order, so the
// logits they return are Forward's bit for bit (TestInferMatchesForward),
// but they keep what one layer needs at a time: the residual stream
// ping-pongs between two buffers, every layer computes in one shared set of
// activations, and the keys and values go to one buffer reused by every
// layer (or to the Cache, when the caller keeps them). The head (final
// norm and output projection, a third of a Pythia-160M forward) runs only
// on the positions the caller asks for.
//
// Memory is then the weights, two residual streams, one layer's
// activations, the asked-for logits and the cache if any; Forward's
// activations stay untouched, so a Backward may still follow the last
// Forward.

// inferBufs are the buffers of one model's inference calls.
type inferBufs struct {
	x, y       []float32 // residual streams (B·T, D)
	rows       []float32 // the final stream's rows whose logits are asked for
	hn, nm, nr []float32 // their final norm output (rows, D), mean and rstd (rows)
	logits     []float32 // (rows, V), returned: the model's until its next inference call
}

// head writes the logits of the positions pos (indices into the n rows of
// x; nil: every row) with the final norm and output projection.
func (f *inferBufs) head(pol precision.Policy, norm func(y, mean, rstd, x []float32, n int), out *nn.Linear, x []float32, n, D int, pos []int) []float32 {
	src, rows := x[:n*D], n
	if pos != nil {
		rows = len(pos)
		f.rows = tensor.Grow(f.rows, rows*D)
		for i, p := range pos {
			if p < 0 || p >= n {
				panic(fmt.Sprintf("transformer: logits asked for position %d of %d", p, n))
			}
			copy(f.rows[i*D:(i+1)*D], x[p*D:(p+1)*D])
		}
		src = f.rows
	}
	grow(rows*D, &f.hn)
	grow(rows, &f.nm, &f.nr)
	norm(f.hn, f.nm, f.nr, src, rows)
	pureAct(pol, f.hn)
	f.logits = tensor.Grow(f.logits, rows*out.Out)
	out.Forward(pol, f.logits, f.hn, rows)
	return f.logits
}

// checkIDs panics if ids is not B·T tokens (a programmer error, as in Forward).
func checkIDs(ids []int, B, T int) {
	if B <= 0 || T <= 0 || len(ids) != B*T {
		panic(fmt.Sprintf("transformer: %d ids for %d sequences of %d tokens", len(ids), B, T))
	}
}

// Infer is Forward without the training tape: the same logits (B·T, V),
// computed holding one layer's activations at a time. They belong to the
// model until its next Infer, InferAt, Prefill or Step.
func (m *GPTNeoX) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	return m.infer(pol, ids, B, T, nil, nil)
}

// InferAt is Infer returning only the logits of the positions pos (indices
// into the B·T positions, row b·T+t for token t of sequence b), in pos's
// order: (len(pos), V). Each row equals Forward's.
func (m *GPTNeoX) InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32 {
	return m.infer(pol, ids, B, T, nil, pos)
}

// Prefill runs prompts (ids: B sequences of T tokens) as Infer does,
// writing their keys and values into a new cache, and returns the logits
// of each prompt's last position (B, V), which predict the next token, and
// the cache from which Step continues the prompts.
func (m *GPTNeoX) Prefill(pol precision.Policy, ids []int, B, T int) ([]float32, *Cache) {
	checkIDs(ids, B, T)
	c := m.NewCache(B)
	return m.infer(pol, ids, B, T, c, lm.LastPositions(B, T)), c
}

// Step feeds the next n = len(ids)/B tokens of each sequence (ids (B, n)
// row-major) at positions c.Len.., stores their keys and values in c and
// returns their logits (B, n, V), with Infer's buffers. It leaves the
// activations of the last Forward alone, so Backward may still follow that
// Forward.
func (m *GPTNeoX) Step(pol precision.Policy, c *Cache, ids []int) []float32 {
	n := c.check(ids, len(m.Layers), m.Cfg.Heads, m.Cfg.HeadDim())
	return m.infer(pol, ids, c.B, n, c, nil)
}

// infer runs ids through the layers in the shared buffers, with the keys
// and values in c when it is not nil (at positions c.Len..), and returns
// the logits of pos (nil: every position).
func (m *GPTNeoX) infer(pol precision.Policy, ids []int, B, T int, c *Cache, pos []int) []float32 {
	return m.stack().infer(pol, ids, B, T, c, pos)
}

// Infer is Forward without the training tape: the same logits (B·T, V),
// computed holding one layer's activations at a time. They belong to the
// model until its next Infer, InferAt, Prefill or Step.
func (m *Llama) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	return m.infer(pol, ids, B, T, nil, nil)
}

// InferAt is Infer returning only the logits of the positions pos (indices
// into the B·T positions, row b·T+t for token t of sequence b), in pos's
// order: (len(pos), V). Each row equals Forward's.
func (m *Llama) InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32 {
	return m.infer(pol, ids, B, T, nil, pos)
}

// Prefill runs prompts (ids: B sequences of T tokens) as Infer does,
// writing their keys and values into a new cache, and returns the logits
// of each prompt's last position (B, V), which predict the next token, and
// the cache from which Step continues the prompts.
func (m *Llama) Prefill(pol precision.Policy, ids []int, B, T int) ([]float32, *Cache) {
	checkIDs(ids, B, T)
	c := m.NewCache(B)
	return m.infer(pol, ids, B, T, c, lm.LastPositions(B, T)), c
}

// Step feeds the next n = len(ids)/B tokens of each sequence (ids (B, n)
// row-major) at positions c.Len.., stores their keys and values in c and
// returns their logits (B, n, V), with Infer's buffers. It leaves the
// activations of the last Forward alone, so Backward may still follow that
// Forward.
func (m *Llama) Step(pol precision.Policy, c *Cache, ids []int) []float32 {
	n := c.check(ids, len(m.Layers), m.Cfg.KVHeads, m.Cfg.HeadDim)
	return m.infer(pol, ids, c.B, n, c, nil)
}

// infer is GPTNeoX.infer for the Llama stack.
func (m *Llama) infer(pol precision.Policy, ids []int, B, T int, c *Cache, pos []int) []float32 {
	return m.stack().infer(pol, ids, B, T, c, pos)
}
