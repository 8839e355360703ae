package kern

import "math"

// SiLU writes y = x·σ(x) = x/(1+e⁻ˣ) (y may be x).
func SiLU(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			siluAVX(&y[0], &x[0], n)
		}
	}
	for i := n; i < len(x); i++ {
		v := x[i]
		y[i] = v / (1 + float32(math.Exp(float64(-v))))
	}
}

// SiLUBackward writes dx = dy·σ(x)·(1 + x·(1 − σ(x))) (dx may be dy).
func SiLUBackward(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	n := 0
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			siluBwdAVX(&dx[0], &dy[0], &x[0], n)
		}
	}
	for i := n; i < len(x); i++ {
		v := x[i]
		s := 1 / (1 + float32(math.Exp(float64(-v))))
		dx[i] = dy[i] * s * (1 + v*(1-s))
	}
}

// Max returns the largest element of x (−Inf for none). A NaN may be
// dropped: callers see it through the exponentials that follow.
func Max(x []float32) float32 {
	m := float32(math.Inf(-1))
	n := 0
	if useAsm && len(x) >= 8 {
		n = len(x) &^ 7
		m = maxAVX(&x[0], n)
	}
	for _, v := range x[n:] {
		if v > m {
			m = v
		}
	}
	return m
}

// ExpShift writes dst = exp(x − m) (Exp's float32 accuracy) and returns
// the sum of dst, accumulated in float32 lanes and returned as float64.
// dst may be x.
func ExpShift(dst, x []float32, m float32) float64 {
	dst = dst[:len(x)]
	n := 0
	var s float64
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			s = float64(expShiftAVX(&dst[0], &x[0], n, m))
		}
	}
	for i := n; i < len(x); i++ {
		e := Exp(x[i] - m)
		dst[i] = e
		s += float64(e)
	}
	return s
}

// GELU writes the erf GELU y = x·Φ(x) (y may be x). The Go version is
// exact (Φ = erfc(−x/√2)/2 in float64, which keeps the lower tail's
// relative accuracy); the vector one uses Abramowitz–Stegun 7.1.26 for erf,
// as PyTorch's vectorised CPU kernel does (|error| of Φ below 1e-7).
func GELU(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			geluAVX(&y[0], &x[0], n)
		}
	}
	for i := n; i < len(x); i++ {
		v := float64(x[i])
		y[i] = float32(0.5 * v * math.Erfc(-v/math.Sqrt2))
	}
}

// GELUBackward writes dx = dy·(Φ(x) + x·φ(x)) (dx may be dy).
func GELUBackward(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	n := 0
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			geluBwdAVX(&dx[0], &dy[0], &x[0], n)
		}
	}
	const invSqrt2Pi = 0.3989422804014327
	for i := n; i < len(x); i++ {
		v := float64(x[i])
		cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
		pdf := invSqrt2Pi * math.Exp(-0.5*v*v)
		dx[i] = dy[i] * float32(cdf+v*pdf)
	}
}

// ExpScaleShift writes dst = exp(x·scale − m) and returns the sum of dst
// (float32 lanes, returned as float64). dst may be x.
func ExpScaleShift(dst, x []float32, scale, m float32) float64 {
	dst = dst[:len(x)]
	n := 0
	var s float64
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			s = float64(expScaleShiftAVX(&dst[0], &x[0], n, scale, m))
		}
	}
	for i := n; i < len(x); i++ {
		e := Exp(x[i]*scale - m)
		dst[i] = e
		s += float64(e)
	}
	return s
}

// Scale sets x[i] *= c.
func Scale(x []float32, c float32) {
	n := 0
	if useAsm {
		n = len(x) &^ 7
		if n > 0 {
			scaleAVX(&x[0], n, c)
		}
	}
	for i := n; i < len(x); i++ {
		x[i] *= c
	}
}

// Dot returns Σ a·b (float32 lanes; a and b of equal length).
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := 0
	var s float32
	if useAsm {
		n = len(a) &^ 7
		if n > 0 {
			s = dotAVX(&a[0], &b[0], n)
		}
	}
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// SoftmaxBackward writes ds = p·(dp − dot)·scale, the gradient of scaled
// scores through a softmax whose output p got the gradient dp and
// dot = Σ p·dp. ds may be dp.
func SoftmaxBackward(ds, p, dp []float32, dot, scale float32) {
	ds, dp = ds[:len(p)], dp[:len(p)]
	n := 0
	if useAsm {
		n = len(p) &^ 7
		if n > 0 {
			softmaxBwdAVX(&ds[0], &p[0], &dp[0], n, dot, scale)
		}
	}
	for i := n; i < len(p); i++ {
		ds[i] = p[i] * (dp[i] - dot) * scale
	}
}
