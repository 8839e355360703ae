package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Gonum is the pure-Go backend: gonum's blas32 Sgemm (blocked, and parallel
// over GOMAXPROCS for large products). It needs no C library and is the
// default when no cgo backend was built in.
type Gonum struct{}

func init() { Register(Gonum{}, 10) }

// Name implements Backend.
func (Gonum) Name() string { return "gonum" }

var gonumImpl gonum.Implementation

// Gemm implements Backend.
func (Gonum) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(beta, c, m, n, ldc)
		return
	}
	if beta == 0 {
		// BLAS leaves C unread for beta == 0 in principle; gonum multiplies
		// first, so clear NaNs explicitly to honour the contract.
		zeroC(c, m, n, ldc)
	}
	gonumImpl.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func zeroC(c []float32, m, n, ldc int) {
	for i := 0; i < m; i++ {
		clear(c[i*ldc : i*ldc+n])
	}
}

func scaleC(beta float32, c []float32, m, n, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
