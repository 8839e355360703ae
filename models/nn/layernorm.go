package nn

import "math"

// LayerNorm is y = (x − mean) / sqrt(var + eps) * w + b over the last
// dimension (biased variance, as PyTorch), computed in float32.
type LayerNorm struct {
	W, B *Param // (D), (D)
	D    int
	Eps  float32
}

// NewLayerNorm allocates a LayerNorm with weight 1 and bias 0.
func NewLayerNorm(name string, d int, eps float32) *LayerNorm {
	n := &LayerNorm{W: NewParam(name+".weight", true, d), B: NewParam(name+".bias", true, d), D: d, Eps: eps}
	for i := range n.W.Value.Data {
		n.W.Value.Data[i] = 1
	}
	return n
}

// Forward writes y (n x D), and mean and rstd (n) for Backward.
func (m *LayerNorm) Forward(y, mean, rstd, x []float32, n int) {
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

// Backward writes dx and accumulates dw and db. With x̂ = (x − mean)·s and
// g = dy⊙w: dx = s·(g − mean(g) − x̂·mean(g⊙x̂)).
func (m *LayerNorm) Backward(dx, dy, x, mean, rstd []float32, n int) {
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
