package hybrid

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// inferBufs are Infer's buffers, separate from Forward's: the residual
// stream, one layer's norm and mixer outputs, one scratch mixer per kind
// whose activation buffers every layer of that kind computes in, and the
// logits.
type inferBufs struct {
	res, normed, mix, rstd []float32 // (B·T, D) ×3, (B·T); then the head's rows and final norm
	lg                     []float32 // logits (B·T, V)
	mamba                  mamba.Mixer
	mamba2                 mamba2.Mixer
	attn                   transformer.Attention
}

// Infer is Forward without the training tape: the layers run the same
// kernels in the same order, each mixer through its kind's InferWith, so
// the logits (B·T, V) are Forward's bit for bit, but the residual stream
// is updated in place and every layer of a kind computes in one shared set
// of activation buffers. Memory is then the weights, the stream, one
// layer's activations per mixer kind present and the logits, where Forward
// keeps every layer's. The logits belong to the model until its next
// Infer or InferAt; the last Forward's activations stay untouched, so a
// Backward may still follow it.
func (m *Model) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	return m.infer(pol, ids, B, T, nil)
}

// InferAt is Infer returning only the logits of the positions pos (indices
// into the B·T positions, row b·T+t for token t of sequence b), in pos's
// order: (len(pos), V), each row Forward's. The final norm and the head (at
// a 50K vocabulary, half of a forward's products) run on those rows only.
func (m *Model) InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32 {
	return m.infer(pol, ids, B, T, pos)
}

// infer runs the layers over ids and returns the logits of pos (nil:
// every position).
func (m *Model) infer(pol precision.Policy, ids []int, B, T int, pos []int) []float32 {
	if B <= 0 || T <= 0 || len(ids) != B*T {
		panic(fmt.Sprintf("hybrid: %d ids for %d sequences of %d tokens", len(ids), B, T))
	}
	n, D, f := B*T, m.Cfg.D, &m.inf
	f.res, f.normed, f.mix = tensor.Grow(f.res, n*D), tensor.Grow(f.normed, n*D), tensor.Grow(f.mix, n*D)
	f.rstd = tensor.Grow(f.rstd, n)
	m.Emb.ForwardPolicy(pol, f.res, ids)
	for _, b := range m.Layers {
		b.Norm.Forward(f.normed, f.rstd, f.res, n)
		switch mx := b.Mixer.(type) {
		case *mamba.Mixer:
			mx.InferWith(&f.mamba, pol, f.mix, f.normed, B, T)
		case *mamba2.Mixer:
			mx.InferWith(&f.mamba2, pol, f.mix, f.normed, B, T)
		case *transformer.Attention:
			mx.InferWith(&f.attn, pol, f.mix, f.normed, B, T)
		default:
			panic(fmt.Sprintf("hybrid: no inference pass for a %T mixer", mx))
		}
		tensor.AddTo(f.res, f.mix) // Forward's residual sum, in place
	}
	last, rows := f.res, n
	if pos != nil { // the asked-for rows of the last stream, into the free mixer output
		rows = len(pos)
		f.mix = tensor.Grow(f.mix, rows*D)
		for i, p := range pos {
			if p < 0 || p >= n {
				panic(fmt.Sprintf("hybrid: logits asked for position %d of %d", p, n))
			}
			copy(f.mix[i*D:(i+1)*D], f.res[p*D:(p+1)*D])
		}
		last = f.mix
	}
	f.normed, f.rstd = tensor.Grow(f.normed, rows*D), tensor.Grow(f.rstd, rows)
	f.lg = tensor.Grow(f.lg, rows*m.Cfg.Vocab)
	m.NormF.Forward(f.normed, f.rstd, last, rows)
	m.Head.Forward(pol, f.lg, f.normed, rows)
	return f.lg
}
