//go:build openblas

package tensor

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// OpenBLAS is the cgo backend over libopenblas's cblas_sgemm. It is built
// with the openblas tag, which the Makefile sets when the library is
// installed. Its thread count follows GOMAXPROCS.
type OpenBLAS struct{}

func init() {
	C.openblas_set_num_threads(C.int(runtime.GOMAXPROCS(0)))
	Register(OpenBLAS{}, 20)
}

// Name implements Backend.
func (OpenBLAS) Name() string { return "openblas" }

// Gemm implements Backend.
func (OpenBLAS) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(beta, c, m, n, ldc)
		return
	}
	if beta == 0 {
		zeroC(c, m, n, ldc)
	}
	ta, tb := C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans), C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
