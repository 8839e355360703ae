package nn

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// normBlock is the number of rows per work unit of the norms. Rows run in
// parallel by blocks; the weight gradients sum per block and then over
// blocks in order, so they depend on n alone, not on GOMAXPROCS.
const normBlock = 64

// rowBufs are per-worker rows of scratch for the norms' backward.
var rowBufs scratch.List[normRows]

type normRows struct{ xh, t, ones []float32 }

func (r *normRows) grow(d int) {
	r.xh, r.t = tensor.Grow(r.xh, d), tensor.Grow(r.t, d)
	if len(r.ones) != d {
		r.ones = make([]float32, d)
		tensor.Fill(r.ones, 1)
	}
}

// blockPartials sizes p to (blocks, k·d) for n rows and clears it.
func blockPartials(p []float32, n, kd int) ([]float32, int) {
	nb := (n + normBlock - 1) / normBlock
	p = tensor.Grow(p, nb*kd)
	clear(p)
	return p, nb
}

// sumBlocks adds the per-block partials (nb, d) into g in block order (g
// nil: frozen).
func sumBlocks(g, p []float32, nb, stride, off, d int) {
	if g == nil {
		return
	}
	for b := 0; b < nb; b++ {
		kern.Add(g, g, p[b*stride+off:b*stride+off+d])
	}
}

// accumulateRow adds dy·xh to gw and dy to gb (nil ones are skipped),
// through tmp.
func accumulateRow(gw, gb, dy, xh, tmp []float32) {
	if gw != nil {
		kern.Mul(tmp, dy, xh)
		kern.Add(gw, gw, tmp)
	}
	if gb != nil {
		kern.Add(gb, gb, dy)
	}
}
