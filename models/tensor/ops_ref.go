package tensor

import "math"

// Reference kernels: the plain definitions the fast kernels above are
// tested against. They compute in float64 throughout.

// RefSoftmaxRows is the reference for SoftmaxRows.
func RefSoftmaxRows(dst, x []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		row := x[r*n : (r+1)*n]
		lse := LogSumExp(row)
		for i, v := range row {
			dst[r*n+i] = float32(math.Exp(float64(v) - lse))
		}
	}
}

// RefLogSoftmaxRows is the reference for LogSoftmaxRows.
func RefLogSoftmaxRows(dst, x []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		row := x[r*n : (r+1)*n]
		lse := LogSumExp(row)
		for i, v := range row {
			dst[r*n+i] = float32(float64(v) - lse)
		}
	}
}
