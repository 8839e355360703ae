package transformer

import (
	"math"

	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// core is the part of self-attention that GPT-NeoX and Llama share: rotary
// on q and k, causal softmax attention with grouped K/V heads, and their
// backward. The projections around it differ per architecture.
type core struct {
	nH, nKV, hd int
	rot         *Rotary
	scale       float32 // hd^-1/2 (HF: self.scaling = head_dim**-0.5)
}

func newCore(nH, nKV, hd int, rot *Rotary) *core {
	return &core{nH: nH, nKV: nKV, hd: hd, rot: rot, scale: float32(1 / math.Sqrt(float64(hd)))}
}

// attnActs holds one attention call's activations and backward scratch.
type attnActs struct {
	q      []float32 // (B, nH, T, hd) after rotary (operand-rounded under 16-bit policies)
	k, v   []float32 // (B, nKV, T, hd) in a full forward; decoding keeps them in the Cache
	out    []float32 // (B·T, nH·hd) the heads' outputs, as the output projection reads them
	dout   []float32 // (B·T, nH·hd)
	dq     []float32 // (B, nH, T, hd)
	dk, dv []float32 // (B, nKV, T, hd)
}

// kvView is where a call reads and appends keys and values: (B, nKV, S, hd)
// with rows off..off+T−1 being the new positions.
type kvView struct {
	k, v   []float32
	S, off int
}

func (c *core) alloc(a *attnActs, B, T int) {
	a.q = tensor.Grow(a.q, B*c.nH*T*c.hd)
	a.out = tensor.Grow(a.out, B*T*c.nH*c.hd)
}

// forward expects a.q (B, nH, T, hd) and the new rows of kv filled with the
// un-rotated projections. It rotates them at positions kv.off.., rounds them
// as operands of q·kᵀ, and writes a.out.
func (c *core) forward(pol precision.Policy, a *attnActs, kv kvView, B, T int) {
	c.rotate(pol, a.q, T, 0, B*c.nH, T, kv.off, false)
	c.rotate(pol, kv.k, kv.S, kv.off, B*c.nKV, T, kv.off, false)
	sh := attnShape{B: B, NH: c.nH, NKV: c.nKV, HD: c.hd, Tq: T, Tk: kv.off + T, S: kv.S}
	attend(pol, a.out, a.q, kv.k, kv.v, sh, c.scale)
}

// backward turns a.dout into a.dq, a.dk, a.dv: the gradients of the
// un-rotated projections (full forward only: kv was a.k, a.v with S = T).
func (c *core) backward(pol precision.Policy, a *attnActs, B, T int) {
	a.dq = tensor.Grow(a.dq, len(a.q))
	a.dk = tensor.Grow(a.dk, len(a.k))
	a.dv = tensor.Grow(a.dv, len(a.v))
	sh := attnShape{B: B, NH: c.nH, NKV: c.nKV, HD: c.hd, Tq: T, Tk: T, S: T}
	attendBackward(pol, a.dq, a.dk, a.dv, a.dout, a.q, a.k, a.v, sh, c.scale)
	// q·cos with 16-bit q and fp32 cos: the gradient reaching q is rounded
	c.rotate(pol, a.dq, T, 0, B*c.nH, T, 0, true)
	c.rotate(pol, a.dk, T, 0, B*c.nKV, T, 0, true)
}

// rotate applies the rotary embedding at positions pos..pos+T−1 (or with
// inverse its transpose) to rows row0..row0+T−1 of each of the blocks
// (sequence, head) of x, S rows of hd each, and rounds them to the policy's
// activation type. Blocks run in parallel; each is independent, so the
// result does not depend on the split.
func (c *core) rotate(pol precision.Policy, x []float32, S, row0, blocks, T, pos int, inverse bool) {
	c.rot.ensure(pos + T) // before the workers: it grows the shared tables
	tensor.Parallel(blocks, max(1, (16<<10)/max(1, T*c.hd)), func(lo, hi int) {
		for blk := lo; blk < hi; blk++ {
			rows := x[(blk*S+row0)*c.hd : (blk*S+row0+T)*c.hd]
			c.rot.Apply(pol, rows, T, c.hd, pos, inverse)
			pol.Act(rows)
		}
	})
}

// layout says where head h of token r lies in a projection buffer:
// at r·stride + off + h·headStride, hd values.
type layout struct{ stride, off, headStride int }

// toHeads copies n heads of every token of src (B·T tokens, layout l) into
// the head-major dst (B, n, S, hd) at rows off..off+T−1.
func toHeads(dst, src []float32, l layout, B, T, n, hd, S, off int) {
	tensor.Parallel(B*T, headGrain(n, hd), func(lo, hi int) {
		for bt := lo; bt < hi; bt++ {
			b, t := bt/T, bt%T
			r := bt * l.stride
			for h := 0; h < n; h++ {
				s := r + l.off + h*l.headStride
				copy(dst[((b*n+h)*S+off+t)*hd:((b*n+h)*S+off+t+1)*hd], src[s:s+hd])
			}
		}
	})
}

// headGrain is the number of tokens whose n heads of hd values are worth one
// parallel chunk of a copy (about 32K values).
func headGrain(n, hd int) int { return max(1, (32<<10)/max(1, n*hd)) }

// fromHeads is the inverse of toHeads with S = T, off = 0: it writes the
// head-major src (B, n, T, hd) into dst at layout l.
func fromHeads(dst, src []float32, l layout, B, T, n, hd int) {
	tensor.Parallel(B*T, headGrain(n, hd), func(lo, hi int) {
		for bt := lo; bt < hi; bt++ {
			b, t := bt/T, bt%T
			r := bt * l.stride
			for h := 0; h < n; h++ {
				d := r + l.off + h*l.headStride
				copy(dst[d:d+hd], src[((b*n+h)*T+t)*hd:((b*n+h)*T+t+1)*hd])
			}
		}
	})
}

// ownKV sizes a.k and a.v for a full forward over T positions and returns
// them as the view the layer writes into.
func (c *core) ownKV(a *attnActs, B, T int) kvView {
	a.k = tensor.Grow(a.k, B*c.nKV*T*c.hd)
	a.v = tensor.Grow(a.v, B*c.nKV*T*c.hd)
	return kvView{k: a.k, v: a.v, S: T, off: 0}
}
