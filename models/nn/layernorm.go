package nn

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// LayerNorm is y = (x − mean) / sqrt(var + eps) * w + b over the last
// dimension (biased variance, as PyTorch), computed in float32.
type LayerNorm struct {
	W, B *Param // (D), (D)
	D    int
	Eps  float32

	part []float32 // Backward's per-block dw and db partials
}

// NewLayerNorm allocates a LayerNorm with weight 1 and bias 0.
func NewLayerNorm(name string, d int, eps float32) *LayerNorm {
	n := &LayerNorm{W: NewParam(name+".weight", true, d), B: NewParam(name+".bias", true, d), D: d, Eps: eps}
	for i := range n.W.Value.Data {
		n.W.Value.Data[i] = 1
	}
	return n
}

// Forward writes y (n x D), and mean and rstd (n) for Backward. Rows run
// in parallel; each sums in float32 lanes (kern), the mean first, then the
// squared deviations from it.
func (m *LayerNorm) Forward(y, mean, rstd, x []float32, n int) {
	w, b, d := m.W.Value.Data, m.B.Value.Data, m.D
	tensor.Parallel(n, normBlock, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
			sum, _ := kern.SumSqDev(xr, 0)
			mu := sum / float32(d)
			_, q := kern.SumSqDev(xr, mu)
			s := float32(1 / math.Sqrt(float64(q/float32(d))+float64(m.Eps)))
			mean[r], rstd[r] = mu, s
			kern.NormAffine(yr, yr, xr, w, b, mu, s) // y = ((x − mean)·s)·w + b
		}
	})
}

// Backward writes dx and accumulates dw and db. With x̂ = (x − mean)·s and
// g = dy⊙w: dx = s·(g − mean(g) − x̂·mean(g⊙x̂)). Rows run in parallel by
// blocks of normBlock; dw and db sum per block, then over blocks in order.
func (m *LayerNorm) Backward(dx, dy, x, mean, rstd []float32, n int) {
	w, d := m.W.Value.Data, m.D
	gw, gb := m.W.G(), m.B.G()
	var nb int
	m.part, nb = blockPartials(m.part, n, 2*d)
	tensor.Parallel(nb, 1, func(lo, hi int) {
		rb := rowBufs.Get()
		defer rowBufs.Put(rb)
		rb.grow(d)
		for blk := lo; blk < hi; blk++ {
			var pw, pb []float32
			if gw != nil {
				pw = m.part[blk*2*d : blk*2*d+d]
			}
			if gb != nil {
				pb = m.part[blk*2*d+d : (blk+1)*2*d]
			}
			for r := blk * normBlock; r < min(n, (blk+1)*normBlock); r++ {
				xr, dyr, mu, s := x[r*d:(r+1)*d], dy[r*d:(r+1)*d], mean[r], rstd[r]
				kern.NormAffine(rb.t, rb.xh, xr, rb.ones, nil, mu, s) // x̂ (t: scratch)
				accumulateRow(pw, pb, dyr, rb.xh, rb.t)
				if dx == nil {
					continue
				}
				kern.Mul(rb.t, dyr, w)
				sg, _ := kern.SumSqDev(rb.t, 0)
				sgx := kern.Dot(rb.t, rb.xh)
				kern.NormBackward(dx[r*d:(r+1)*d], dyr, rb.xh, w, s, sg/float32(d), sgx/float32(d))
			}
		}
	})
	sumBlocks(gw, m.part, nb, 2*d, 0, d)
	sumBlocks(gb, m.part, nb, 2*d, d, d)
}
