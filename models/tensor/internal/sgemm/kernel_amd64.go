package sgemm

import "github.com/ssmlab/ssmlab/models/internal/cpuid"

// kernel6x16 is the AVX2+FMA micro-kernel in kernel_amd64.s: for the packed
// micro-panels a (k x 6) and b (k x 16) it sets the 6x16 tile at c (row
// stride ldc) to alpha*a·b + beta*c, not reading c when beta == 0.
//
//go:noescape
func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// kernel6x16s is kernel6x16 reading A unpacked: row r of the micro-panel
// is the k values at a + r*lda.
//
//go:noescape
func kernel6x16s(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

// copyPanels16 copies 16 floats from src+16q to dst+q*stride for q < n.
//
//go:noescape
func copyPanels16(dst *float32, stride int, src *float32, n int)

func init() {
	if cpuid.X86.AVX2 && cpuid.X86.FMA {
		Best = Kernel{"avx2+fma 6x16", kernelAVX2, kernelAVX2Unpacked}
		spread16 = spread16AVX
	}
}

func kernelAVX2(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	// Bounds checks here keep the assembly memory-safe.
	_, _, _ = a[mr*k-1], b[nr*k-1], c[(mr-1)*ldc+nr-1]
	kernel6x16(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

func kernelAVX2Unpacked(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = a[(mr-1)*lda+k-1], b[nr*k-1], c[(mr-1)*ldc+nr-1]
	kernel6x16s(k, &a[0], lda, &b[0], &c[0], ldc, alpha, beta)
}

func spread16AVX(dst []float32, stride int, src []float32, n int) {
	if n == 0 {
		return
	}
	_, _ = src[16*n-1], dst[(n-1)*stride+15]
	copyPanels16(&dst[0], stride, &src[0], n)
}
