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
