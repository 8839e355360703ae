package testsys

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Linear is x' = M x + Bin u with a constant n x n matrix M (row-major) and
// n x m input matrix Bin. Its Lyapunov exponents are log|eig(M)|.
type Linear struct {
	N, M int
	Mat  []float64 // (N, N)
	Bin  []float64 // (N, M)
}

func (l *Linear) StateDim() int { return l.N }
func (l *Linear) InputDim() int { return l.M }

func (l *Linear) Step(dst, x, u []float64) {
	gemv(dst, l.Mat, l.N, l.N, x, 0)
	gemv(dst, l.Bin, l.N, l.M, u, 1)
}

func (l *Linear) JVP(dst, x, u, vs []float64) {
	for j := 0; j < len(vs); j += l.N {
		gemv(dst[j:j+l.N], l.Mat, l.N, l.N, vs[j:j+l.N], 0)
	}
}

// gemv sets y = A x + beta y for a row-major r x c matrix A.
func gemv(y, a []float64, r, c int, x []float64, beta float64) {
	if c == 0 {
		return
	}
	A := blas64.General{Rows: r, Cols: c, Stride: c, Data: a}
	blas64.Gemv(blas.NoTrans, 1, A, blas64.Vector{N: c, Inc: 1, Data: x}, beta, blas64.Vector{N: r, Inc: 1, Data: y})
}

// RotScale returns the 2 x 2 block r*[[cos th, -sin th], [sin th, cos th]],
// whose eigenvalues r*exp(+-i th) both have modulus r.
func RotScale(r, th float64) []float64 {
	c, s := r*math.Cos(th), r*math.Sin(th)
	return []float64{c, -s, s, c}
}

// Conjugate returns S D S^-1 for row-major n x n matrices, with S^-1 given:
// a non-normal matrix with D's eigenvalues.
func Conjugate(s, d, sInv []float64, n int) []float64 {
	return matmul(matmul(s, d, n), sInv, n)
}

func matmul(a, b []float64, n int) []float64 {
	c := make([]float64, n*n)
	A := blas64.General{Rows: n, Cols: n, Stride: n, Data: a}
	B := blas64.General{Rows: n, Cols: n, Stride: n, Data: b}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, A, B, 0, blas64.General{Rows: n, Cols: n, Stride: n, Data: c})
	return c
}
