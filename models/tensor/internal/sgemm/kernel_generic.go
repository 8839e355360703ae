package sgemm

import (
	"os"
	"strconv"
)

// microKernel sets the mr x nr tile c (row stride ldc) to
// alpha*a·b + beta*c for the packed micro-panels a (k x mr, mr values per k)
// and b (k x nr). With beta == 0, c is not read. k >= 1.
type microKernel func(k int, a, b, c []float32, ldc int, alpha, beta float32)

// unpackedKernel is a microKernel that reads A in place: row r of the
// micro-panel is a[r*lda : r*lda+k]. Used when A is not transposed, it
// saves packing A, which costs as much as a fifth of the product at K, N =
// 128.
type unpackedKernel func(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32)

// Kernel is a micro-kernel choice and its blocking; its Gemm method runs
// the blocked GEMM with it.
type Kernel struct {
	id, name string // id: the SSMLAB_SGEMM value that picks it
	mr, nr   int    // the micro-tile: mr rows (broadcast A values) by nr columns
	kc       int    // depth of a packed block at most: a kc x nr B micro-panel stays in L1
	fn       microKernel
	unpacked unpackedKernel // nil: always pack A
	spread   spreadFunc     // copies B rows into nr-column panels; nil: copy
	// narrow, if set, runs the products of at most narrow.nr columns,
	// where this kernel's wider tile would compute mostly padding.
	narrow *Kernel
}

// Generic is the pure-Go micro-kernel, available everywhere.
var Generic = Kernel{"generic", "generic 6x16", 6, 16, 256, kernelGeneric, nil, spread16, nil}

// Best is the kernel Gemm runs: the fastest this CPU has (the AVX-512 one,
// else the AVX2 one, else Generic), unless the SSMLAB_SGEMM environment
// variable names another (see Select). EnvOK is false when SSMLAB_SGEMM
// names no kernel this CPU runs; Best is the fastest then.
var Best, EnvOK = Select(os.Getenv("SSMLAB_SGEMM"))

// ID is the kernel's SSMLAB_SGEMM value: generic, avx2 or avx512.
func (k Kernel) ID() string { return k.id }

// Name names the micro-kernel, for provenance.
func (k Kernel) Name() string { return k.name }

// Narrow names the kernel that runs this one's products of few columns
// ("" when it runs them itself), for provenance.
func (k Kernel) Narrow() string {
	if k.narrow == nil {
		return ""
	}
	return k.narrow.name + " for products of at most " + strconv.Itoa(k.narrow.nr) + " columns"
}

// Kernels lists the micro-kernels this CPU can run, the slowest first
// (Generic always), for tests and benchmarks.
func Kernels() []Kernel { return kernels }

var kernels = append([]Kernel{Generic}, archKernels...)

// Select returns the kernel the value of SSMLAB_SGEMM picks: "" the
// fastest available, "avx512", "avx2" or "generic" that one. ok is false
// for another value or a kernel this CPU cannot run; the fastest is
// returned then.
func Select(env string) (k Kernel, ok bool) {
	best := kernels[len(kernels)-1]
	if env == "" {
		return best, true
	}
	for _, k := range kernels {
		if k.id == env {
			return k, true
		}
	}
	return best, false
}

// kernelGeneric is the pure-Go micro-kernel. It walks the tile in 2x4
// blocks so that the eight accumulators, two A values and four B values
// fit the sixteen floating-point registers of amd64 and arm64; each element
// of C still sums its products in increasing k.
func kernelGeneric(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	const mr, nr = 6, 16
	a, b = a[:mr*k], b[:nr*k]
	for i := 0; i < mr; i += 2 {
		for j := 0; j < nr; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			ap, bp := a[i:], b[j:]
			for p := 0; p < k; p++ {
				ap2, bp4 := ap[:2:2], bp[:4:4]
				a0, a1 := ap2[0], ap2[1]
				b0, b1, b2, b3 := bp4[0], bp4[1], bp4[2], bp4[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				if p+1 < k {
					ap, bp = ap[mr:], bp[nr:]
				}
			}
			store4(c[i*ldc+j:i*ldc+j+4], alpha, beta, c00, c01, c02, c03)
			store4(c[(i+1)*ldc+j:(i+1)*ldc+j+4], alpha, beta, c10, c11, c12, c13)
		}
	}
}

func store4(c []float32, alpha, beta float32, v0, v1, v2, v3 float32) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
