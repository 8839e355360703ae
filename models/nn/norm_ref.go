package nn

import "math"

// The plain row loops of the norms, kept as the specification the
// parallel, vectorised Forward and Backward are tested against.

// forwardRef is the plain loop that defines Forward (tests compare them).
func (m *RMSNorm) forwardRef(y, rstd, x []float32, n int) {
	w, d := m.W.Value.Data, m.D
	for r := 0; r < n; r++ {
		xr := x[r*d : (r+1)*d]
		var ss float32
		for _, v := range xr {
			ss += v * v
		}
		s := float32(1 / math.Sqrt(float64(ss/float32(d)+m.Eps)))
		rstd[r] = s
		yr := y[r*d : (r+1)*d]
		for j, v := range xr {
			yr[j] = v * s * w[j]
		}
	}
}

// backwardRef is the plain loop that defines Backward.
func (m *RMSNorm) backwardRef(dx, dy, x, rstd []float32, n int) {
	w, d := m.W.Value.Data, m.D
	gw := m.W.G()
	for r := 0; r < n; r++ {
		xr, dyr, s := x[r*d:(r+1)*d], dy[r*d:(r+1)*d], rstd[r]
		var dot float32
		for j, v := range xr {
			xh := v * s
			dot += dyr[j] * w[j] * xh
			if gw != nil {
				gw[j] += dyr[j] * xh
			}
		}
		dot /= float32(d)
		if dx == nil {
			continue
		}
		dxr := dx[r*d : (r+1)*d]
		for j, v := range xr {
			dxr[j] = s * (dyr[j]*w[j] - v*s*dot)
		}
	}
}

// forwardRef is the plain loop (float64 sums) that defines Forward.
func (m *LayerNorm) forwardRef(y, mean, rstd, x []float32, n int) {
	w, b, d := m.W.Value.Data, m.B.Value.Data, m.D
	for r := 0; r < n; r++ {
		xr := x[r*d : (r+1)*d]
		var mu float64
		for _, v := range xr {
			mu += float64(v)
		}
		mu /= float64(d)
		var vr float64
		for _, v := range xr {
			dv := float64(v) - mu
			vr += dv * dv
		}
		s := float32(1 / math.Sqrt(vr/float64(d)+float64(m.Eps)))
		mean[r], rstd[r] = float32(mu), s
		yr := y[r*d : (r+1)*d]
		for j, v := range xr {
			yr[j] = (v-float32(mu))*s*w[j] + b[j]
		}
	}
}

// backwardRef is the plain loop that defines Backward.
func (m *LayerNorm) backwardRef(dx, dy, x, mean, rstd []float32, n int) {
	w, d := m.W.Value.Data, m.D
	gw, gb := m.W.G(), m.B.G()
	for r := 0; r < n; r++ {
		xr, dyr, mu, s := x[r*d:(r+1)*d], dy[r*d:(r+1)*d], mean[r], rstd[r]
		var sg, sgx float32
		for j, v := range xr {
			xh := (v - mu) * s
			g := dyr[j] * w[j]
			sg += g
			sgx += g * xh
			if gw != nil {
				gw[j] += dyr[j] * xh
			}
			if gb != nil {
				gb[j] += dyr[j]
			}
		}
		sg /= float32(d)
		sgx /= float32(d)
		if dx == nil {
			continue
		}
		dxr := dx[r*d : (r+1)*d]
		for j, v := range xr {
			dxr[j] = s * (dyr[j]*w[j] - sg - (v-mu)*s*sgx)
		}
	}
}
