package lora

import (
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

	xq, aq, bq, a, b, g, da, dxp []float32 // scratch
}

// operands returns x, A and B as the half linears see them.
func (l *Linear) operands(pol precision.Policy, x []float32) (xq, aq, bq []float32) {
	if !pol.Half() {
		return x, l.A.Value.Data, l.B.Value.Data
	}
	l.xq, l.aq, l.bq = rounded(pol, l.xq, x), rounded(pol, l.aq, l.A.Value.Data), rounded(pol, l.bq, l.B.Value.Data)
	return l.xq, l.aq, l.bq
}

func rounded(pol precision.Policy, buf, src []float32) []float32 {
	buf = tensor.Grow(buf, len(src))
	copy(buf, src)
	pol.Act(buf)
	return buf
}

// lowRank writes a = A·x (n x r), rounded under a 16-bit policy.
func (l *Linear) lowRank(pol precision.Policy, xq, aq []float32, n int) {
	l.a = tensor.Grow(l.a, n*l.R)
	tensor.MatMulT(l.a, xq, aq, n, l.Base.In, l.R, false)
	pol.Act(l.a)
}

// AdapterForward implements nn.Adapter: y (n x Out) += scale·B·A·x, each
// product a half linear under 16-bit policies, the sum rounded as the half
// add of PEFT's `result + lora_B(lora_A(x)) * scaling`.
func (l *Linear) AdapterForward(pol precision.Policy, y, x []float32, n int) {
	if l.Merged {
		return
	}
	xq, aq, bq := l.operands(pol, x)
	l.lowRank(pol, xq, aq, n)
	l.b = tensor.Grow(l.b, n*l.Base.Out)
	tensor.MatMulT(l.b, l.a, bq, n, l.R, l.Base.Out, false)
	pol.Act(l.b)
	for i, v := range l.b {
		y[i] = pol.Compute.Round(y[i] + pol.Compute.Round(l.Scale*v))
	}
}

// AdapterBackward implements nn.Adapter. With g = scale·dy (a half op):
// dB += gᵀ·a, da = g·B, dA += daᵀ·x, dx += da·A. A·x is recomputed from x.
// The part added to dx is rounded; the sum is left to the caller, which
// knows whether the input was a 16-bit tensor.
func (l *Linear) AdapterBackward(pol precision.Policy, dx, dy, x []float32, n int) {
	if l.Merged {
		return
	}
	in, out, r := l.Base.In, l.Base.Out, l.R
	xq, aq, bq := l.operands(pol, x)
	l.lowRank(pol, xq, aq, n)
	l.g = tensor.Grow(l.g, n*out)
	for i, v := range dy[:n*out] {
		l.g[i] = pol.Compute.Round(l.Scale * v)
	}
	gradInto(pol, l.B.G(), func(dst []float32) { tensor.Gemm(true, false, out, r, n, 1, l.g, l.a, 0, dst) })
	l.da = tensor.Grow(l.da, n*r)
	tensor.Gemm(false, false, n, r, out, 1, l.g, bq, 0, l.da)
	pol.Act(l.da)
	gradInto(pol, l.A.G(), func(dst []float32) { tensor.Gemm(true, false, r, in, n, 1, l.da, xq, 0, dst) })
	if dx != nil {
		l.dxp = tensor.Grow(l.dxp, n*in)
		tensor.Gemm(false, false, n, in, r, 1, l.da, aq, 0, l.dxp)
		pol.Act(l.dxp)
		tensor.AddTo(dx[:n*in], l.dxp)
	}
}

// gradInto computes a parameter gradient with fn, rounds it as a 16-bit
// weight gradient, and accumulates it into g (skipped when frozen).
func gradInto(pol precision.Policy, g []float32, fn func(dst []float32)) {
	if g == nil {
		return
	}
	tmp := make([]float32, len(g))
	fn(tmp)
	pol.Act(tmp)
	tensor.AddTo(g, tmp)
}

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
