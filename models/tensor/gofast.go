package tensor

import (
	"runtime"

	"github.com/ssmlab/ssmlab/models/tensor/internal/sgemm"
)

// Go is the fast pure-Go backend (internal/sgemm): packed, cache-blocked
// GEMM with a 6x16 micro-kernel, in AVX2+FMA assembly when the CPU has it
// (checked at run time) and in plain Go otherwise, parallel over GOMAXPROCS.
// Its results do not depend on the number of threads. With the assembly
// kernel it outranks gonum and is the default when no cgo backend was built
// in; on a CPU without AVX2+FMA its plain-Go kernel is slower than gonum's
// SSE loops (measured 2-4 vs 5-8 GFLOP/s per core), so there it ranks below.
//
// "go-generic" is the same GEMM forced onto the plain-Go micro-kernel, so
// that kernel is conformance-tested and benchmarked on every machine.
type Go struct {
	name string
	kern sgemm.Kernel
}

func init() {
	if sgemm.Best.Name() == sgemm.Generic.Name() {
		Register(Go{"go", sgemm.Best}, 5)
		return
	}
	Register(Go{"go", sgemm.Best}, 15)
	Register(Go{"go-generic", sgemm.Generic}, 4)
}

// Name implements Backend.
func (g Go) Name() string { return g.name }

// Describe names the micro-kernel, for provenance.
func (g Go) Describe() string { return g.Name() + " (" + g.kern.Name() + " micro-kernel)" }

// Gemm implements Backend.
func (g Go) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g.kern.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, runtime.GOMAXPROCS(0))
}

// GemmSerial implements SerialGemmer: the same product on the calling
// goroutine (bit-identical to Gemm, whose results do not depend on the
// number of threads).
func (g Go) GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g.kern.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1)
}
