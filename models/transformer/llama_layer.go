package transformer

import (
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// LlamaLayer is one LlamaDecoderLayer: pre-norm residual blocks
// h = x + Attn(RMSNorm1(x)), y = h + SwiGLU(RMSNorm2(h)), attention with
// separate q/k/v projections and nKV ≤ nH key/value heads.
type LlamaLayer struct {
	Norm1      *Norm      // input_layernorm
	Norm2      *Norm      // post_attention_layernorm
	Q, K, V, O *nn.Linear // self_attn.{q,k,v,o}_proj: (nH·hd, D), (nKV·hd, D) twice, (D, nH·hd)
	MLP        swiGLU     // mlp.{gate,up,down}_proj

	core *core
	clip float32 // OLMo's clip_qkv: q, k, v clamped to [-clip, clip]; 0 = off
}

// llamaActs holds one layer's activations (n = B·T rows) and scratch.
type llamaActs struct {
	x, h           []float32 // (n, D) layer input (not owned), x + attention
	n1, n2, r1, r2 []float32 // norm outputs (n, D) and rstd (n)
	m1, m2         []float32 // norm means (n; OLMo's LayerNorm)
	clipped        []bool    // clip_qkv: which of qp, kp, vp (in order) were clamped
	qp, kp, vp     []float32 // projections (n, nH·hd), (n, nKV·hd) ×2
	att            attnActs
	ao, mo         []float32 // (n, D) o_proj and MLP outputs
	mlp            mlpActs
	dyh, dh, dn    []float32 // (n, D)
	dtmp           []float32 // (n, D)
	dqp, dkp, dvp  []float32 // projection gradients
}

func (l *LlamaLayer) forward(pol precision.Policy, a *llamaActs, y, x []float32, B, T int, kv kvView) {
	n, D := B*T, l.Norm1.Dim()
	grow(n*D, &a.n1, &a.n2, &a.ao, &a.mo, &a.h)
	grow(n, &a.r1, &a.r2, &a.m1, &a.m2)
	a.x = x
	l.Norm1.Forward(a.n1, a.m1, a.r1, x, n)
	pureAct(pol, a.n1)
	l.attention(pol, a, B, T, kv)
	tensor.Add(a.h, x, a.ao)
	pureAct(pol, a.h)
	l.Norm2.Forward(a.n2, a.m2, a.r2, a.h, n)
	pureAct(pol, a.n2)
	l.MLP.forward(pol, &a.mlp, a.mo, a.n2, n)
	tensor.Add(y, a.h, a.mo)
	pureAct(pol, y)
}

func (l *LlamaLayer) layouts() (q, kv layout) {
	c := l.core
	return layout{c.nH * c.hd, 0, c.hd}, layout{c.nKV * c.hd, 0, c.hd}
}

// attention runs Norm1's output through q/k/v_proj, the shared core and
// o_proj into a.ao.
func (l *LlamaLayer) attention(pol precision.Policy, a *llamaActs, B, T int, kv kvView) {
	c, n := l.core, B*T
	grow(n*l.Q.Out, &a.qp)
	grow(n*l.K.Out, &a.kp, &a.vp)
	c.alloc(&a.att, B, T)
	l.Q.Forward(pol, a.qp, a.n1, n)
	l.K.Forward(pol, a.kp, a.n1, n)
	l.V.Forward(pol, a.vp, a.n1, n)
	if l.clip > 0 {
		a.clipped = clipQKV(pol, a.clipped, l.clip, a.qp, a.kp, a.vp)
	}
	lq, lkv := l.layouts()
	toHeads(a.att.q, a.qp, lq, B, T, c.nH, c.hd, T, 0)
	toHeads(kv.k, a.kp, lkv, B, T, c.nKV, c.hd, kv.S, kv.off)
	toHeads(kv.v, a.vp, lkv, B, T, c.nKV, c.hd, kv.S, kv.off)
	c.forward(pol, &a.att, kv, B, T)
	l.O.Forward(pol, a.ao, a.att.out, n)
}

// backward writes dx from dy, the gradient of the layer output.
func (l *LlamaLayer) backward(pol precision.Policy, a *llamaActs, dx, dy []float32, B, T int) {
	n := B * T
	grow(len(dy), &a.dyh, &a.dh, &a.dn, &a.dtmp)
	copy(a.dyh, dy) // the gradient reaching the 16-bit MLP output
	pol.Act(a.dyh)
	l.MLP.backward(pol, &a.mlp, a.dn, a.dyh, a.n2, n)
	l.Norm2.Backward(a.dh, a.dn, a.h, a.m2, a.r2, n)
	tensor.AddTo(a.dh, dy) // d h: residual path plus the MLP branch
	pureAct(pol, a.dh)
	copy(a.dyh, a.dh)
	pol.Act(a.dyh)
	l.attentionBackward(pol, a, a.dyh, B, T)
	l.Norm1.Backward(dx, a.dn, a.x, a.m1, a.r1, n)
	tensor.AddTo(dx, a.dh)
	pureAct(pol, dx)
}

// attentionBackward writes a.dn, the gradient of Norm1's output, from dao,
// the gradient of the o_proj output.
func (l *LlamaLayer) attentionBackward(pol precision.Policy, a *llamaActs, dao []float32, B, T int) {
	c, n := l.core, B*T
	a.att.dout = tensor.Grow(a.att.dout, len(a.att.out))
	grow(len(a.qp), &a.dqp)
	grow(len(a.kp), &a.dkp, &a.dvp)
	l.O.Backward(pol, a.att.dout, dao, a.att.out, n)
	c.backward(pol, &a.att, B, T)
	lq, lkv := l.layouts()
	fromHeads(a.dqp, a.att.dq, lq, B, T, c.nH, c.hd)
	fromHeads(a.dkp, a.att.dk, lkv, B, T, c.nKV, c.hd)
	fromHeads(a.dvp, a.att.dv, lkv, B, T, c.nKV, c.hd)
	if l.clip > 0 {
		unclip(a.clipped, a.dqp, a.dkp, a.dvp)
	}
	l.Q.Backward(pol, a.dn, a.dqp, a.n1, n)
	l.K.Backward(pol, a.dtmp, a.dkp, a.n1, n)
	tensor.AddTo(a.dn, a.dtmp)
	l.V.Backward(pol, a.dtmp, a.dvp, a.n1, n)
	tensor.AddTo(a.dn, a.dtmp)
}

// clipQKV clamps each of xs to [-c, c] in place (torch.clamp_, as
// OlmoAttention applies clip_qkv to the q, k and v projections) and
// records in mask, which it returns, the elements it moved. Under a 16-bit
// policy the clamped values are rounded like the projection they replace.
func clipQKV(pol precision.Policy, mask []bool, c float32, xs ...[]float32) []bool {
	total := 0
	for _, x := range xs {
		total += len(x)
	}
	if cap(mask) < total {
		mask = make([]bool, total)
	}
	mask = mask[:total]
	at := 0
	for _, x := range xs {
		for i, v := range x {
			out := v > c || v < -c
			mask[at+i] = out
			if v > c {
				x[i] = c
			} else if v < -c {
				x[i] = -c
			}
		}
		pol.Act(x)
		at += len(x)
	}
	return mask
}

// unclip zeroes the gradient of the clamped elements (torch.clamp passes
// the gradient only where min ≤ x ≤ max).
func unclip(mask []bool, dxs ...[]float32) {
	at := 0
	for _, dx := range dxs {
		for i := range dx {
			if mask[at+i] {
				dx[i] = 0
			}
		}
		at += len(dx)
	}
}

// The stackLayer methods.

func (l *LlamaLayer) ownKV(a *llamaActs, B, T int) kvView      { return l.core.ownKV(&a.att, B, T) }
func (l *LlamaLayer) swapScratch(s *backScratch, a *llamaActs) { s.swapLlama(a) }
func (l *LlamaLayer) dropInput(a *llamaActs)                   { a.x = nil }
