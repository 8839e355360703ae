package kern

// Add sets dst = a + b elementwise (lengths of dst; dst may alias a or b).
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := 0
	if useAsm {
		n = len(dst) &^ 7
		if n > 0 {
			addAVX(&dst[0], &a[0], &b[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// Mul sets dst = a·b elementwise.
func Mul(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := 0
	if useAsm {
		n = len(dst) &^ 7
		if n > 0 {
			mulAVX(&dst[0], &a[0], &b[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = a[i] * b[i]
	}
}

// Axpy sets y += alpha·x (a product, then a sum: the same two roundings
// with and without the assembly).
func Axpy(alpha float32, x, y []float32) {
	x = x[:len(y)]
	n := 0
	if useAsm {
		n = len(y) &^ 7
		if n > 0 {
			axpyAVX(alpha, &x[0], &y[0], n)
		}
	}
	for i := n; i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}
