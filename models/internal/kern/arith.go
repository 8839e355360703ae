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

// SumRows sets dst[j] = Σ_{r<n} x[r·stride + j] for j < len(dst), n ≥ 1,
// adding the rows in order: the same float32 additions as copying row 0
// and adding the others one by one, with the partial sums kept in
// registers instead of stored and reloaded per row.
func SumRows(dst, x []float32, n, stride int) {
	w := len(dst)
	if n < 1 || w == 0 {
		return
	}
	_ = x[(n-1)*stride+w-1]
	c := 0
	if useAsm {
		for ; c+64 <= w; c += 64 {
			sumRows64AVX(&dst[c], &x[c], n, stride*4)
		}
		for ; c+8 <= w; c += 8 {
			sumRows8AVX(&dst[c], &x[c], n, stride*4)
		}
	}
	for ; c < w; c++ {
		s := x[c]
		for r := 1; r < n; r++ {
			s += x[r*stride+c]
		}
		dst[c] = s
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
