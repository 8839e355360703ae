package nn

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Adapter adds a learned update to a Linear's output: y += Δ(x). LoRA
// implements it; Linear knows nothing of LoRA beyond this.
type Adapter interface {
	// AdapterForward adds the adapter's output for x (n x in) to y (n x out).
	// x is the input as the base matmul sees it: on the compute grid under
	// a 16-bit policy (already rounded; the adapter need not round it).
	// Under a 16-bit policy y is a 16-bit tensor before and must be one
	// after (the sum rounded, as a half add): layers fed by a Linear rely
	// on it (Conv1d.InputRounded).
	AdapterForward(pol precision.Policy, y, x []float32, n int)
	// AdapterBackward accumulates the adapter's parameter gradients for
	// upstream gradient dy and, when dx is non-nil, adds its part to dx (x
	// as in AdapterForward).
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

	bq []float32 // the bias on the compute grid, or its column sums in Backward
}

// HalfBufs holds the transient buffers of the 16-bit policies (rounded
// operand copies, unrounded weight gradients) that layers take for the
// duration of one call: a training step holds one set, not one per layer.
var HalfBufs scratch.List[[]float32]

// Rounded returns a copy of src on pol's compute grid in a buffer from
// HalfBufs; the caller puts buf back when done with it.
func Rounded(pol precision.Policy, src []float32) (q []float32, buf *[]float32) {
	buf = HalfBufs.Get()
	q = scratch.Float32s(buf, len(src))
	tensor.Parallel(len(src), 32<<10, func(lo, hi int) { pol.ActTo(q[lo:hi], src[lo:hi]) })
	return q, buf
}

// release returns the buffers of Rounded (nil ones are skipped).
func release(bufs ...*[]float32) {
	for _, b := range bufs {
		if b != nil {
			HalfBufs.Put(b)
		}
	}
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
// 16-bit policy (in HalfBufs buffers, released with release), the
// originals under fp32 and where native 16-bit products round their
// operands as they convert them (tensor.GemmAs) and no adapter needs x
// rounded.
func (l *Linear) operands(pol precision.Policy, x []float32) (xq, wq []float32, xb, wb *[]float32) {
	if !pol.Half() || (l.Adapter == nil && tensor.HalfNative(pol.Compute)) {
		return x, l.W.Value.Data, nil, nil
	}
	xq, xb = Rounded(pol, x)
	wq, wb = Rounded(pol, l.W.Value.Data)
	return xq, wq, xb, wb
}

// Forward computes y (n x Out) from x (n x In).
func (l *Linear) Forward(pol precision.Policy, y, x []float32, n int) {
	xq, wq, xb, wb := l.operands(pol, x)
	// native 16-bit matmul where the CPU has it, else fp32 on the rounded operands
	tensor.MatMulTAs(pol.Compute, y, xq, wq, n, l.In, l.Out, false)
	defer release(xb, wb)
	if l.B != nil {
		b := l.B.Value.Data
		if pol.Half() {
			l.bq = tensor.Grow(l.bq, l.Out)
			copy(l.bq, b)
			pol.Act(l.bq)
			b = l.bq
		}
		tensor.Parallel(n, rowGrain(l.Out), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				tensor.AddTo(y[r*l.Out:(r+1)*l.Out], b)
			}
			pol.Act(y[lo*l.Out : hi*l.Out]) // while the rows are in cache
		})
	} else {
		pol.Act(y[:n*l.Out])
	}
	if l.Adapter != nil {
		l.Adapter.AdapterForward(pol, y, xq, n)
	}
}

// Backward writes dx (n x In, skipped if nil) and accumulates dW and db
// for the upstream gradient dy (n x Out) at input x.
func (l *Linear) Backward(pol precision.Policy, dx, dy, x []float32, n int) {
	xq, wq, xb, wb := l.operands(pol, x)
	defer release(xb, wb)
	// dy as is: native 16-bit products round it to the 16-bit tensor PyTorch
	// holds as they convert it; the emulation multiplies it unrounded
	if dx != nil {
		tensor.GemmAs(pol.Compute, false, false, n, l.In, l.Out, 1, dy, wq, 0, dx)
		pol.Act(dx)
	}
	if gw := l.W.G(); gw != nil {
		if !pol.Half() {
			tensor.Gemm(true, false, l.Out, l.In, n, 1, dy, xq, 1, gw)
		} else { // the 16-bit weight gradient is rounded, then accumulated in fp32
			gb := HalfBufs.Get()
			g := scratch.Float32s(gb, len(gw))
			tensor.GemmAs(pol.Compute, true, false, l.Out, l.In, n, 1, dy, xq, 0, g)
			tensor.ParallelBlocks(len(g), ElemBlock, func(lo, hi int) { pol.Compute.AddRounded(gw[lo:hi], g[lo:hi]) })
			HalfBufs.Put(gb)
		}
	}
	if gb := l.B.G(); gb != nil && n > 0 { // column sums of dy, each in row order, added up row by row
		l.bq = tensor.Grow(l.bq, l.Out)
		ColumnSums(l.bq, dy, n, l.Out)
		pol.Act(l.bq)
		tensor.AddTo(gb, l.bq)
	}
	if l.Adapter != nil {
		l.Adapter.AdapterBackward(pol, dx, dy, xq, n)
	}
}

// Params returns W and, if present, b.
func (l *Linear) Params() []*Param {
	if l.B != nil {
		return []*Param{l.W, l.B}
	}
	return []*Param{l.W}
}

// ElemBlock is the block of elementwise passes fused with
// tensor.ParallelBlocks (16 KiB of values: two such blocks fit a core's L1).
const ElemBlock = 4096

// rowGrain is the number of rows of width w worth one parallel chunk:
// about 16K values, below which starting a worker costs more than it saves.
func rowGrain(w int) int { return max(1, (16<<10)/max(1, w)) }

// ColumnSums writes dst[j] = Σ_r x[r·w + j] for the n rows of x, each sum
// in row order (the same float32 additions as adding the rows one by one),
// with blocks of 64 columns split across workers (kern.SumRows keeps a
// block's partial sums in registers as it walks down the rows).
func ColumnSums(dst, x []float32, n, w int) {
	const blk = 64
	tensor.Parallel((w+blk-1)/blk, max(1, (16<<10)/max(1, n*blk)), func(lo, hi int) {
		c0, c1 := lo*blk, min(w, hi*blk)
		kern.SumRows(dst[c0:c1], x[c0:], n, w)
	})
}
