package transformer

import (
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// NeoXLayer is one GPTNeoXLayer: LayerNorm, attention with a fused
// per-head-interleaved query_key_value projection, LayerNorm, GELU MLP, and
// the parallel residual x + Attn(LN1(x)) + MLP(LN2(x)) (or, with
// use_parallel_residual false, a = x + Attn(LN1(x)); a + MLP(LN2(a))).
type NeoXLayer struct {
	LN1   *nn.LayerNorm // input_layernorm
	LN2   *nn.LayerNorm // post_attention_layernorm
	QKV   *nn.Linear    // attention.query_key_value (3D, D): output viewed as (nH, 3, hd)
	Dense *nn.Linear    // attention.dense (D, D)
	MLP   geluMLP       // mlp.dense_h_to_4h, mlp.dense_4h_to_h

	parallel bool
	core     *core
}

// neoxActs holds one layer's activations (n = B·T rows) and scratch.
type neoxActs struct {
	x              []float32 // (n, D) layer input, not owned
	ln1, m1, r1    []float32 // LN1 output (n, D), mean and rstd (n)
	ln2, m2, r2    []float32
	qkv            []float32 // (n, 3D)
	att            attnActs
	ao, mo, mid    []float32 // (n, D) attention and MLP outputs; x + ao (sequential form)
	mlp            mlpActs
	dqkv           []float32 // (n, 3D)
	dyh, dln, dtmp []float32 // (n, D)
}

// In the fused projection, head h's q, k, v are consecutive hd-blocks at
// h·3hd (GPTNeoXAttention: qkv.view(..., nH, 3·hd).chunk(3)).
func (l *NeoXLayer) qkvLayouts() (q, k, v layout) {
	hd := l.core.hd
	s := 3 * l.core.nH * hd
	return layout{s, 0, 3 * hd}, layout{s, hd, 3 * hd}, layout{s, 2 * hd, 3 * hd}
}

func (l *NeoXLayer) forward(pol precision.Policy, a *neoxActs, y, x []float32, B, T int, kv kvView) {
	n, D := B*T, l.LN1.D
	grow(n*D, &a.ln1, &a.ln2, &a.ao, &a.mo, &a.mid)
	grow(n, &a.m1, &a.r1, &a.m2, &a.r2)
	a.x = x
	l.LN1.Forward(a.ln1, a.m1, a.r1, x, n)
	pureAct(pol, a.ln1)
	l.attention(pol, a, B, T, kv)
	post := x
	if !l.parallel {
		tensor.Add(a.mid, x, a.ao)
		pureAct(pol, a.mid)
		post = a.mid
	}
	l.LN2.Forward(a.ln2, a.m2, a.r2, post, n)
	pureAct(pol, a.ln2)
	l.MLP.forward(pol, &a.mlp, a.mo, a.ln2, n)
	if l.parallel { // HF: mlp_output + attn_output + hidden_states, the first sum in 16 bits
		tensor.Add(y, a.mo, a.ao)
		pol.Act(y)
		tensor.AddTo(y, x)
	} else {
		tensor.Add(y, a.mid, a.mo)
	}
	pureAct(pol, y)
}

// attention runs LN1's output through query_key_value, the shared core and
// dense into a.ao.
func (l *NeoXLayer) attention(pol precision.Policy, a *neoxActs, B, T int, kv kvView) {
	c, n := l.core, B*T
	a.qkv = tensor.Grow(a.qkv, n*l.QKV.Out)
	c.alloc(&a.att, B, T)
	l.QKV.Forward(pol, a.qkv, a.ln1, n)
	lq, lk, lv := l.qkvLayouts()
	toHeads(a.att.q, a.qkv, lq, B, T, c.nH, c.hd, T, 0)
	toHeads(kv.k, a.qkv, lk, B, T, c.nKV, c.hd, kv.S, kv.off)
	toHeads(kv.v, a.qkv, lv, B, T, c.nKV, c.hd, kv.S, kv.off)
	c.forward(pol, &a.att, kv, B, T)
	l.Dense.Forward(pol, a.ao, a.att.out, n)
}

// backward writes dx from dy, the gradient of the layer output.
func (l *NeoXLayer) backward(pol precision.Policy, a *neoxActs, dx, dy []float32, B, T int) {
	n := B * T
	grow(len(dy), &a.dyh, &a.dln, &a.dtmp)
	copy(a.dyh, dy) // the gradient reaching the 16-bit branch outputs
	pol.Act(a.dyh)
	post := a.x
	if !l.parallel {
		post = a.mid
	}
	l.MLP.backward(pol, &a.mlp, a.dln, a.dyh, a.ln2, n)
	l.LN2.Backward(a.dtmp, a.dln, post, a.m2, a.r2, n)
	tensor.AddTo(a.dtmp, dy) // d post: the residual path plus the MLP branch
	if l.parallel {
		l.attentionBackward(pol, a, a.dyh, B, T)
		l.LN1.Backward(dx, a.dln, a.x, a.m1, a.r1, n)
		tensor.AddTo(dx, a.dtmp)
	} else {
		copy(a.dyh, a.dtmp) // d mid, as the attention branch receives it
		pol.Act(a.dyh)
		l.attentionBackward(pol, a, a.dyh, B, T)
		l.LN1.Backward(dx, a.dln, a.x, a.m1, a.r1, n)
		tensor.AddTo(dx, a.dtmp)
	}
	pureAct(pol, dx)
}

// attentionBackward writes a.dln, the gradient of LN1's output, from dao,
// the gradient of the dense output.
func (l *NeoXLayer) attentionBackward(pol precision.Policy, a *neoxActs, dao []float32, B, T int) {
	c, n := l.core, B*T
	a.att.dout = tensor.Grow(a.att.dout, len(a.att.out))
	a.dqkv = tensor.Grow(a.dqkv, len(a.qkv))
	l.Dense.Backward(pol, a.att.dout, dao, a.att.out, n)
	c.backward(pol, &a.att, B, T)
	lq, lk, lv := l.qkvLayouts()
	fromHeads(a.dqkv, a.att.dq, lq, B, T, c.nH, c.hd)
	fromHeads(a.dqkv, a.att.dk, lk, B, T, c.nKV, c.hd)
	fromHeads(a.dqkv, a.att.dv, lv, B, T, c.nKV, c.hd)
	l.QKV.Backward(pol, a.dln, a.dqkv, a.ln1, n)
}

// grow sizes every buffer to n (tensor.Grow).
func grow(n int, bufs ...*[]float32) {
	for _, b := range bufs {
		*b = tensor.Grow(*b, n)
	}
}

// pureAct rounds x under a -pure policy, where the residual stream and the
// norm outputs are 16-bit tensors too; under AMP they stay fp32.
func pureAct(pol precision.Policy, x []float32) {
	if pol.PureWeights {
		pol.Act(x)
	}
}

// The stackLayer methods.

func (l *NeoXLayer) ownKV(a *neoxActs, B, T int) kvView      { return l.core.ownKV(&a.att, B, T) }
func (l *NeoXLayer) swapScratch(s *backScratch, a *neoxActs) { s.swapNeoX(a) }
func (l *NeoXLayer) dropInput(a *neoxActs)                   { a.x = nil }
