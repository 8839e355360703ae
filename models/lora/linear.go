package lora

import (
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Linear is the adapter of one nn.Linear (its Adapter hook):
// y += scale · B·A·x, A of shape (r, in), B of shape (out, r).
type Linear struct {
	Base   *nn.Linear
	A      *nn.Param // (r, In) "…lora_A.weight"
	B      *nn.Param // (Out, r) "…lora_B.weight"
	R      int
	Scale  float32 // alpha/r, or alpha/√r with rslora
	Merged bool    // the update is in Base.W; the adapter adds nothing
}

// tmp holds the transient buffers of one adapter call, taken from
// nn.HalfBufs and returned by release: a training step holds one set for
// all adapters.
type tmp struct {
	bufs [12]*[]float32
	n    int
}

// get returns a buffer of n floats (not cleared).
func (t *tmp) get(n int) []float32 {
	b := nn.HalfBufs.Get()
	t.bufs[t.n] = b
	t.n++
	return scratch.Float32s(b, n)
}

// rounded returns src itself under fp32, else a rounded copy.
func (t *tmp) rounded(pol precision.Policy, src []float32) []float32 {
	if !pol.Half() {
		return src
	}
	q := t.get(len(src))
	tensor.ParallelBlocks(len(src), nn.ElemBlock, func(lo, hi int) { pol.ActTo(q[lo:hi], src[lo:hi]) })
	return q
}

func (t *tmp) release() {
	for _, b := range t.bufs[:t.n] {
		nn.HalfBufs.Put(b)
	}
	t.n = 0
}

// lowRank returns a = A·x (n x r), rounded under a 16-bit policy.
func (l *Linear) lowRank(pol precision.Policy, t *tmp, xq, aq []float32, n int) []float32 {
	a := t.get(n * l.R)
	tensor.MatMulT(a, xq, aq, n, l.Base.In, l.R, false)
	pol.Act(a)
	return a
}

// AdapterForward implements nn.Adapter: y (n x Out) += scale·B·A·x, each
// product a half linear under 16-bit policies, the sum rounded as the half
// add of PEFT's `result + lora_B(lora_A(x)) * scaling`. x comes on the
// compute grid (nn.Adapter). Under fp32 the second product adds
// scale·a·Bᵀ into y in one GEMM.
func (l *Linear) AdapterForward(pol precision.Policy, y, x []float32, n int) {
	if l.Merged {
		return
	}
	var t tmp
	defer t.release()
	out := l.Base.Out
	aq, bq := t.rounded(pol, l.A.Value.Data), t.rounded(pol, l.B.Value.Data)
	a := l.lowRank(pol, &t, x, aq, n)
	if !pol.Half() {
		tensor.Gemm(false, true, n, out, l.R, l.Scale, a, bq, 1, y[:n*out])
		return
	}
	b := t.get(n * out)
	tensor.MatMulT(b, a, bq, n, l.R, out, false)
	// y = round(y + round(scale·round(b))), in one fused pass over blocks
	// that stay in cache
	tensor.ParallelBlocks(len(b), nn.ElemBlock, func(lo, hi int) { pol.Compute.AddScaled(y[lo:hi], b[lo:hi], l.Scale) })
}

// AdapterBackward implements nn.Adapter. With g = scale·dy (a half op):
// dB += gᵀ·a, da = g·B, dA += daᵀ·x, dx += da·A. A·x is recomputed from x.
// The part added to dx is rounded; the sum is left to the caller, which
// knows whether the input was a 16-bit tensor. Under fp32 the scale rides
// on the products (alpha) and the gradients accumulate in the GEMMs.
func (l *Linear) AdapterBackward(pol precision.Policy, dx, dy, x []float32, n int) {
	if l.Merged {
		return
	}
	in, out, r := l.Base.In, l.Base.Out, l.R
	var t tmp
	defer t.release()
	aq, bq := t.rounded(pol, l.A.Value.Data), t.rounded(pol, l.B.Value.Data)
	a := l.lowRank(pol, &t, x, aq, n)
	da := t.get(n * r)
	if !pol.Half() {
		if gB := l.B.G(); gB != nil {
			tensor.Gemm(true, false, out, r, n, l.Scale, dy, a, 1, gB)
		}
		tensor.Gemm(false, false, n, r, out, l.Scale, dy, bq, 0, da)
		if gA := l.A.G(); gA != nil {
			tensor.Gemm(true, false, r, in, n, 1, da, x, 1, gA)
		}
		if dx != nil {
			tensor.Gemm(false, false, n, in, r, 1, da, aq, 1, dx[:n*in])
		}
		return
	}
	g := t.get(n * out)
	tensor.ParallelBlocks(len(g), nn.ElemBlock, func(lo, hi int) { pol.Compute.ScaleTo(g[lo:hi], dy[lo:hi], l.Scale) })
	if gB := l.B.G(); gB != nil {
		dB := t.get(len(gB))
		tensor.Gemm(true, false, out, r, n, 1, g, a, 0, dB)
		gradInto(pol, gB, dB)
	}
	tensor.Gemm(false, false, n, r, out, 1, g, bq, 0, da)
	pol.Act(da)
	if gA := l.A.G(); gA != nil {
		dA := t.get(len(gA))
		tensor.Gemm(true, false, r, in, n, 1, da, x, 0, dA)
		gradInto(pol, gA, dA)
	}
	if dx != nil {
		dxp := t.get(n * in)
		tensor.Gemm(false, false, n, in, r, 1, da, aq, 0, dxp)
		tensor.ParallelBlocks(len(dxp), nn.ElemBlock, func(lo, hi int) { pol.Compute.AddRounded(dx[lo:hi], dxp[lo:hi]) })
	}
}

// gradInto rounds a parameter gradient d as a 16-bit weight gradient and
// accumulates it into g.
func gradInto(pol precision.Policy, g, d []float32) { pol.Compute.AddRounded(g, d) }

// AdapterParams implements nn.Adapter.
func (l *Linear) AdapterParams() []*nn.Param { return []*nn.Param{l.A, l.B} }

// delta returns scale·B·A (Out x In), the update merging adds, computed in
// float64 so merge and unmerge subtract exactly what they added.
func (l *Linear) delta() []float32 {
	in, out, r := l.Base.In, l.Base.Out, l.R
	a, b := l.A.Value.Data, l.B.Value.Data
	d := make([]float32, out*in)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			var s float64
			for k := 0; k < r; k++ {
				s += float64(b[o*r+k]) * float64(a[k*in+i])
			}
			d[o*in+i] = float32(float64(l.Scale) * s)
		}
	}
	return d
}
