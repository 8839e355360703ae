package tensor

// Ref is the plain reference backend: the triple loop that defines Gemm.
// Every other backend must agree with it. It accumulates in float64 so it is
// also the most accurate; it is slow and meant for tests.
type Ref struct{}

func init() { Register(Ref{}, 0) }

// Name implements Backend.
func (Ref) Name() string { return "reference" }

// Gemm implements Backend.
func (Ref) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			v := alpha * float32(s)
			if beta != 0 {
				v += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = v
		}
	}
}
