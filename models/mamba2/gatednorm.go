package mamba2

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// gatedNormForward is HF's MambaRMSNormGated with norm_before_gate=False,
// all in float32: g = y ⊙ SiLU(z), out = g / sqrt(mean(g²) + eps) ⊙ w,
// the mean over the whole row of E (see the package comment on groups).
// It writes out, g and rstd (n), which the backward pass needs.
func gatedNormForward(out, g, rstd, y, z, w []float32, n, e int, eps float32) {
	tensor.Parallel(n, 16, func(lo, hi int) {
		sz := make([]float32, e) // SiLU(z) of one row
		for r := lo; r < hi; r++ {
			gr, yr, zr := g[r*e:(r+1)*e], y[r*e:(r+1)*e], z[r*e:(r+1)*e]
			kern.SiLU(sz, zr) // one row, inside the rows' parallel loop
			var ss float32
			for j, v := range yr {
				gr[j] = v * sz[j]
				ss += gr[j] * gr[j]
			}
			s := float32(1 / math.Sqrt(float64(ss/float32(e)+eps)))
			rstd[r] = s
			or := out[r*e : (r+1)*e]
			for j, v := range gr {
				or[j] = v * s * w[j]
			}
		}
	})
}

// gatedNormBackward writes dy and dz and accumulates dw for dout.
// With ĝ = g·s: dg = s·(dout⊙w − ĝ·mean(dout⊙w⊙ĝ)), dy = dg⊙SiLU(z),
// dz = dg⊙y⊙SiLU'(z).
func gatedNormBackward(dy, dz, dw, dout, g, rstd, y, z, w []float32, n, e int) {
	tensor.Parallel(n, 16, func(lo, hi int) {
		sz, dgy := make([]float32, e), make([]float32, e) // one row's SiLU(z) and dg·y
		for r := lo; r < hi; r++ {
			gr, dor, s := g[r*e:(r+1)*e], dout[r*e:(r+1)*e], rstd[r]
			var dotp float32
			for j, v := range gr {
				dotp += dor[j] * w[j] * v * s
			}
			dotp /= float32(e)
			yr, zr := y[r*e:(r+1)*e], z[r*e:(r+1)*e]
			dyr, dzr := dy[r*e:(r+1)*e], dz[r*e:(r+1)*e]
			kern.SiLU(sz, zr)
			for j, v := range gr {
				dg := s * (dor[j]*w[j] - v*s*dotp)
				dyr[j] = dg * sz[j] // dg·SiLU(z)
				dgy[j] = dg * yr[j] // then dz = dg·y·SiLU'(z)
			}
			kern.SiLUBackward(dzr, dgy, zr)
		}
	})
	if dw == nil {
		return
	}
	for r := 0; r < n; r++ { // serial: deterministic sums
		gr, dor, s := g[r*e:(r+1)*e], dout[r*e:(r+1)*e], rstd[r]
		for j, v := range gr {
			dw[j] += dor[j] * v * s
		}
	}
}
