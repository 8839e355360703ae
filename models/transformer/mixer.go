package transformer

import (
	"fmt"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Attention is causal self-attention as a sequence mixer (lm.Mixer), the
// attention layer of a hybrid stack: one fused input projection to q, k and
// v, full-width rotary embeddings, the causal softmax attention Llama and
// GPT-NeoX share (grouped K/V heads allowed), and an output projection.
// Neither projection has a bias.
type Attention struct {
	Name    string
	InProj  *nn.Linear // "<name>.in_proj" ((H + 2·KV)·hd, D): rows q | k | v
	OutProj *nn.Linear // "<name>.out_proj" (D, H·hd)

	core *core

	// activations of the last Forward
	b, t      int
	in        []float32 // (B·T, D) the caller's input
	qkv, dqkv []float32 // (B·T, (H + 2·KV)·hd)
	att       attnActs
}

// NewAttention returns an attention mixer with zero weights for width d,
// heads query heads and kvHeads key/value heads (head width d/heads, which
// must be even for the rotary embedding), rotary base theta. Init draws
// its weights.
func NewAttention(name string, d, heads, kvHeads int, theta float64) (*Attention, error) {
	if d <= 0 || heads <= 0 || kvHeads <= 0 || d%heads != 0 || heads%kvHeads != 0 {
		return nil, fmt.Errorf("attention: heads %d must divide d_model %d and kv_heads %d must divide heads", heads, d, kvHeads)
	}
	hd := d / heads
	if hd%2 != 0 {
		return nil, fmt.Errorf("attention: head width d_model/heads = %d must be even (rotary)", hd)
	}
	if err := checkRope(theta, 1e-5); err != nil {
		return nil, err
	}
	return &Attention{Name: name,
		InProj:  nn.NewLinear(name+".in_proj", d, (heads+2*kvHeads)*hd, false),
		OutProj: nn.NewLinear(name+".out_proj", heads*hd, d, false),
		core:    newCore(heads, kvHeads, hd, NewRotary(hd, theta)),
	}, nil
}

// Init draws both projections from N(0, std²), as HF initialises Llama's.
func (a *Attention) Init(r *rand.Rand, std float64) {
	initLinears(r, float32(std), a.InProj, a.OutProj)
}

// Params lists in_proj then out_proj.
func (a *Attention) Params() []*nn.Param {
	return append(a.InProj.Params(), a.OutProj.Params()...)
}

// Linears returns both projections by module path.
func (a *Attention) Linears() map[string]*nn.Linear {
	return map[string]*nn.Linear{a.InProj.Name: a.InProj, a.OutProj.Name: a.OutProj}
}

// Heads returns the number of query heads and of key/value heads.
func (a *Attention) Heads() (heads, kvHeads int) { return a.core.nH, a.core.nKV }

func (a *Attention) layouts() (q, k, v layout) {
	c, w := a.core, a.InProj.Out
	return layout{w, 0, c.hd}, layout{w, c.nH * c.hd, c.hd}, layout{w, (c.nH + c.nKV) * c.hd, c.hd}
}

// Forward writes out (B, T, D) for in (B, T, D), which must stay unchanged
// until Backward.
func (a *Attention) Forward(pol precision.Policy, out, in []float32, B, T int) {
	c, n := a.core, B*T
	a.b, a.t, a.in = B, T, in
	grow(n*a.InProj.Out, &a.qkv)
	c.alloc(&a.att, B, T)
	kv := c.ownKV(&a.att, B, T)
	a.InProj.Forward(pol, a.qkv, in, n)
	lq, lk, lv := a.layouts()
	toHeads(a.att.q, a.qkv, lq, B, T, c.nH, c.hd, T, 0)
	toHeads(kv.k, a.qkv, lk, B, T, c.nKV, c.hd, T, 0)
	toHeads(kv.v, a.qkv, lv, B, T, c.nKV, c.hd, T, 0)
	c.forward(pol, &a.att, kv, B, T)
	a.OutProj.Forward(pol, out, a.att.out, n)
}

// Backward writes dx, the gradient of Forward's input, for dout.
func (a *Attention) Backward(pol precision.Policy, dx, dout []float32) {
	if a.b == 0 {
		panic("attention: Backward without Forward")
	}
	c, B, T := a.core, a.b, a.t
	n := B * T
	a.att.dout = tensor.Grow(a.att.dout, len(a.att.out))
	a.OutProj.Backward(pol, a.att.dout, dout, a.att.out, n)
	c.backward(pol, &a.att, B, T)
	grow(len(a.qkv), &a.dqkv)
	lq, lk, lv := a.layouts()
	fromHeads(a.dqkv, a.att.dq, lq, B, T, c.nH, c.hd)
	fromHeads(a.dqkv, a.att.dk, lk, B, T, c.nKV, c.hd)
	fromHeads(a.dqkv, a.att.dv, lv, B, T, c.nKV, c.hd)
	a.InProj.Backward(pol, dx, a.dqkv, a.in, n)
}

// InferWith is Forward computing in scratch's activation buffers instead of
// the mixer's own: out is Forward's bit for bit, and the activations of the
// last Forward, which Backward reads, stay as they were. The attention
// layers of a stack may share one scratch (any Attention, a zero one
// included: only its activation buffers are used), so that an inference
// pass holds one layer's activations, as models/hybrid's Infer does.
func (a *Attention) InferWith(scratch *Attention, pol precision.Policy, out, in []float32, B, T int) {
	a.swapActs(scratch)
	defer a.swapActs(scratch)
	a.Forward(pol, out, in, B, T)
}

// swapActs exchanges the Forward activations (and the shape and input they
// belong to) of a and o.
func (a *Attention) swapActs(o *Attention) {
	a.b, o.b, a.t, o.t, a.in, o.in = o.b, a.b, o.t, a.t, o.in, a.in
	a.qkv, o.qkv, a.dqkv, o.dqkv, a.att, o.att = o.qkv, a.qkv, o.dqkv, a.dqkv, o.att, a.att
}

var _ lm.Mixer = (*Attention)(nil)
