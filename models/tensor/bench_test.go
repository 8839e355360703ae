package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm reports GFLOP/s of every backend on the shapes a small model's
// training step uses: M = batch*seq = 2048 rows, K and N in 128..512.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{{2048, 128, 128}, {2048, 512, 128}, {2048, 128, 512}, {2048, 512, 512}}
	for _, be := range Backends() {
		if be.Name() == "reference" {
			continue
		}
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a, w, c := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n)
			b.Run(fmt.Sprintf("%s/M%d_N%d_K%d", be.Name(), m, n, k), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					be.Gemm(false, true, m, n, k, 1, a, k, w, k, 0, c, n)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkAxpy reports memory throughput of a streaming elementwise kernel.
func BenchmarkAxpy(b *testing.B) {
	n := 1 << 20
	x, y := make([]float32, n), make([]float32, n)
	b.SetBytes(int64(12 * n)) // read x, read y, write y
	for i := 0; i < b.N; i++ {
		Axpy(0.5, x, y)
	}
}

// BenchmarkLogSoftmax reports throughput of the row-wise log-softmax on
// a (2048, 256) logits block.
func BenchmarkLogSoftmax(b *testing.B) {
	rows, n := 2048, 256
	x := randSlice(rand.New(rand.NewPCG(2, 2)), rows*n)
	d := make([]float32, rows*n)
	b.SetBytes(int64(8 * rows * n))
	for i := 0; i < b.N; i++ {
		LogSoftmaxRows(d, x, rows, n)
	}
}
