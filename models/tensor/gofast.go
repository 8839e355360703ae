package tensor

import (
	"os"
	"runtime"

	"github.com/ssmlab/ssmlab/models/tensor/internal/sgemm"
)

// Go is the fast pure-Go backend (internal/sgemm): packed, cache-blocked
// GEMM with a register-blocked micro-kernel chosen at run time: 12x32 in
// AVX-512F assembly where the CPU and OS support it, else 6x16 in AVX2+FMA
// assembly, else 6x16 in plain Go. SSMLAB_SGEMM=avx2 (or generic) forces
// that kernel, to compare them on one machine. It runs parallel over
// GOMAXPROCS, and its results do not depend on the number of threads,
// nor on which assembly kernel ran for beta 0 or 1 (the two block k
// alike; the plain-Go kernel rounds differently). With an assembly
// kernel it outranks gonum and is the default when no cgo backend was
// built in; on a CPU without AVX2+FMA its plain-Go kernel is slower than
// gonum's SSE loops (measured 2-4 vs 5-8 GFLOP/s per core), so there it
// ranks below.
//
// The other kernels this CPU runs are registered too, as "go-generic",
// "go-avx2" and "go-avx512" (those not in use as "go"), so that every one
// is conformance-tested and benchmarked on every machine.
type Go struct {
	name string
	kern sgemm.Kernel
}

func init() {
	if sgemm.Best.Name() == sgemm.Generic.Name() && len(sgemm.Kernels()) == 1 {
		Register(Go{"go", sgemm.Best}, 5)
		return
	}
	Register(Go{"go", sgemm.Best}, 15)
	for _, k := range sgemm.Kernels() {
		if k.Name() != sgemm.Best.Name() {
			Register(Go{"go-" + k.ID(), k}, 4)
		}
	}
}

// Name implements Backend.
func (g Go) Name() string { return g.name }

// Describe names the micro-kernel, for provenance.
func (g Go) Describe() string {
	d := g.Name() + " (" + g.kern.Name() + " micro-kernel"
	if n := g.kern.Narrow(); n != "" {
		d += "; " + n
	}
	d += ")"
	if g.name == "go" && !sgemm.EnvOK {
		d += " (SSMLAB_SGEMM=" + os.Getenv("SSMLAB_SGEMM") + " names no kernel this CPU runs: avx512, avx2 or generic)"
	}
	return d
}

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
