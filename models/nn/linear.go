package nn

import (
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Adapter adds a learned update to a Linear's output: y += Δ(x). LoRA
// implements it; Linear knows nothing of LoRA beyond this.
type Adapter interface {
	// AdapterForward adds the adapter's output for x (n x in) to y (n x out).
	AdapterForward(pol precision.Policy, y, x []float32, n int)
	// AdapterBackward accumulates the adapter's parameter gradients for
	// upstream gradient dy and, when dx is non-nil, adds its part to dx.
	AdapterBackward(pol precision.Policy, dx, dy, x []float32, n int)
	// AdapterParams returns the adapter's parameters.
	AdapterParams() []*Param
}

// Linear is y = x Wᵀ + b (PyTorch nn.Linear), W of shape (Out, In).
type Linear struct {
	Name    string // module path, e.g. "backbone.layers.0.mixer.in_proj"
	In, Out int
	W       *Param // (Out, In)
	B       *Param // (Out), nil without bias
	Adapter Adapter

	xq, wq, gw, dyq []float32 // scratch for the 16-bit operands, dW and a 16-bit dy
}

// NewLinear allocates a zero Linear with parameters name+".weight" and,
// with bias, name+".bias".
func NewLinear(name string, in, out int, bias bool) *Linear {
	l := &Linear{Name: name, In: in, Out: out, W: NewParam(name+".weight", false, out, in)}
	if bias {
		l.B = NewParam(name+".bias", true, out)
	}
	return l
}

// operands returns x and W as the matmul sees them: rounded copies under a
// 16-bit policy, the originals under fp32.
func (l *Linear) operands(pol precision.Policy, x []float32) (xq, wq []float32) {
	if !pol.Half() {
		return x, l.W.Value.Data
	}
	l.xq = tensor.Grow(l.xq, len(x))
	copy(l.xq, x)
	pol.Act(l.xq)
	l.wq = tensor.Grow(l.wq, len(l.W.Value.Data))
	copy(l.wq, l.W.Value.Data)
	pol.Act(l.wq)
	return l.xq, l.wq
}

// Forward computes y (n x Out) from x (n x In).
func (l *Linear) Forward(pol precision.Policy, y, x []float32, n int) {
	xq, wq := l.operands(pol, x)
	// native 16-bit matmul where the CPU has it, else fp32 on the rounded operands
	tensor.MatMulTAs(pol.Compute, y, xq, wq, n, l.In, l.Out, false)
	if l.B != nil {
		b := l.B.Value.Data
		for r := 0; r < n; r++ {
			row := y[r*l.Out : (r+1)*l.Out]
			for j := range row {
				row[j] += pol.Compute.Round(b[j])
			}
		}
	}
	pol.Act(y)
	if l.Adapter != nil {
		l.Adapter.AdapterForward(pol, y, x, n)
	}
}

// Backward writes dx (n x In, skipped if nil) and accumulates dW and db
// for the upstream gradient dy (n x Out) at input x.
func (l *Linear) Backward(pol precision.Policy, dx, dy, x []float32, n int) {
	xq, wq := l.operands(pol, x)
	dyq := dy
	if tensor.HalfNative(pol.Compute) { // 16-bit units take dy as the 16-bit tensor PyTorch holds
		l.dyq = tensor.Grow(l.dyq, len(dy))
		copy(l.dyq, dy)
		pol.Act(l.dyq)
		dyq = l.dyq
	}
	if dx != nil {
		tensor.GemmAs(pol.Compute, false, false, n, l.In, l.Out, 1, dyq, wq, 0, dx)
		pol.Act(dx)
	}
	if gw := l.W.G(); gw != nil {
		if !pol.Half() {
			tensor.Gemm(true, false, l.Out, l.In, n, 1, dy, xq, 1, gw)
		} else { // the 16-bit weight gradient is rounded, then accumulated in fp32
			l.gw = tensor.Grow(l.gw, len(gw))
			tensor.GemmAs(pol.Compute, true, false, l.Out, l.In, n, 1, dyq, xq, 0, l.gw)
			pol.Act(l.gw)
			tensor.AddTo(gw, l.gw)
		}
	}
	if gb := l.B.G(); gb != nil {
		for j := 0; j < l.Out; j++ {
			var s float32
			for r := 0; r < n; r++ {
				s += dy[r*l.Out+j]
			}
			gb[j] += pol.Compute.Round(s)
		}
	}
	if l.Adapter != nil {
		l.Adapter.AdapterBackward(pol, dx, dy, x, n)
	}
}

// Params returns W and, if present, b.
func (l *Linear) Params() []*Param {
	if l.B != nil {
		return []*Param{l.W, l.B}
	}
	return []*Param{l.W}
}
