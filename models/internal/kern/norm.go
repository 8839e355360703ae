package kern

// Row kernels of RMSNorm and LayerNorm (one row of d values; the vector
// loops take whole rows when d is a multiple of 8).

// SumSqDev returns Σ x and Σ (x − mu)² (float32 lanes).
func SumSqDev(x []float32, mu float32) (s, q float32) {
	if useAsm && len(x) > 0 && len(x)%Lanes == 0 {
		return sumSqDevAVX(&x[0], len(x), mu)
	}
	for _, v := range x {
		s += v
		q += (v - mu) * (v - mu)
	}
	return s, q
}

// NormAffine writes xh = (x − mu)·s and y = xh·w (+ b when b is not nil).
func NormAffine(y, xh, x, w, b []float32, mu, s float32) {
	y, xh, w = y[:len(x)], xh[:len(x)], w[:len(x)]
	if b != nil {
		b = b[:len(x)]
	}
	if useAsm && len(x) > 0 && len(x)%Lanes == 0 {
		var bp *float32
		if b != nil {
			bp = &b[0]
		}
		normAffineAVX(&y[0], &xh[0], &x[0], &w[0], bp, len(x), mu, s)
		return
	}
	for j, v := range x {
		h := (v - mu) * s
		xh[j] = h
		if b != nil {
			y[j] = h*w[j] + b[j]
		} else {
			y[j] = h * w[j]
		}
	}
}

// NormBackward writes dx = s·((dy·w − c0) − xh·c1).
func NormBackward(dx, dy, xh, w []float32, s, c0, c1 float32) {
	dx, dy, w = dx[:len(xh)], dy[:len(xh)], w[:len(xh)]
	if useAsm && len(xh) > 0 && len(xh)%Lanes == 0 {
		normBwdAVX(&dx[0], &dy[0], &xh[0], &w[0], len(xh), s, c0, c1)
		return
	}
	for j, h := range xh {
		dx[j] = s * ((dy[j]*w[j] - c0) - h*c1)
	}
}
