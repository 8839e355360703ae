package nn

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// RMSNorm is y = x / sqrt(mean(x²) + eps) * w over the last dimension
// (mamba_ssm and HF MambaRMSNorm / LlamaRMSNorm), computed in float32.
type RMSNorm struct {
	W   *Param // (D)
	D   int
	Eps float32

	part []float32 // Backward's per-block dw partials
}

// NewRMSNorm allocates an RMSNorm with weight name+".weight" set to 1.
func NewRMSNorm(name string, d int, eps float32) *RMSNorm {
	n := &RMSNorm{W: NewParam(name+".weight", true, d), D: d, Eps: eps}
	for i := range n.W.Value.Data {
		n.W.Value.Data[i] = 1
	}
	return n
}

// Forward writes y (n x D) and the per-row reciprocal RMS rstd (n), which
// Backward needs. Rows run in parallel; each sums its squares in float32
// lanes (kern).
func (m *RMSNorm) Forward(y, rstd, x []float32, n int) {
	w, d := m.W.Value.Data, m.D
	tensor.Parallel(n, normBlock, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
			_, ss := kern.SumSqDev(xr, 0)
			s := float32(1 / math.Sqrt(float64(ss/float32(d)+m.Eps)))
			rstd[r] = s
			kern.NormAffine(yr, yr, xr, w, nil, 0, s) // y = (x·s)·w
		}
	})
}

// Backward writes dx and accumulates dw. With x̂ = x·s:
// dx = s·(dy⊙w − x̂·mean(dy⊙w⊙x̂)). Rows run in parallel by blocks of
// normBlock; dw sums per block, then over blocks in order.
func (m *RMSNorm) Backward(dx, dy, x, rstd []float32, n int) {
	w, d := m.W.Value.Data, m.D
	gw := m.W.G()
	var nb int
	m.part, nb = blockPartials(m.part, n, d)
	tensor.Parallel(nb, 1, func(lo, hi int) {
		rb := rowBufs.Get()
		defer rowBufs.Put(rb)
		rb.grow(d)
		for blk := lo; blk < hi; blk++ {
			var pw []float32
			if gw != nil {
				pw = m.part[blk*d : (blk+1)*d]
			}
			for r := blk * normBlock; r < min(n, (blk+1)*normBlock); r++ {
				xr, dyr, s := x[r*d:(r+1)*d], dy[r*d:(r+1)*d], rstd[r]
				kern.NormAffine(rb.t, rb.xh, xr, rb.ones, nil, 0, s) // x̂ (t: scratch)
				accumulateRow(pw, nil, dyr, rb.xh, rb.t)
				if dx == nil {
					continue
				}
				kern.Mul(rb.t, dyr, w)
				dot := kern.Dot(rb.t, rb.xh) / float32(d)
				kern.NormBackward(dx[r*d:(r+1)*d], dyr, rb.xh, w, s, 0, dot)
			}
		}
	})
	sumBlocks(gw, m.part, nb, d, 0, d)
}
