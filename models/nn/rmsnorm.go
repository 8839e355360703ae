package nn

import "math"

// RMSNorm is y = x / sqrt(mean(x²) + eps) * w over the last dimension
// (mamba_ssm and HF MambaRMSNorm / LlamaRMSNorm), computed in float32.
type RMSNorm struct {
	W   *Param // (D)
	D   int
	Eps float32
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
// Backward needs.
func (m *RMSNorm) Forward(y, rstd, x []float32, n int) {
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

// Backward writes dx and accumulates dw. With x̂ = x·s:
// dx = s·(dy⊙w − x̂·mean(dy⊙w⊙x̂)).
func (m *RMSNorm) Backward(dx, dy, x, rstd []float32, n int) {
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
