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

// kernel12x32 is the AVX-512F micro-kernel in kernel512_amd64.s: the same
// contract as kernel6x16 for a 12x32 tile (packed a k x 12, b k x 32).
//
//go:noescape
func kernel12x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

// kernel12x32s is kernel12x32 reading A unpacked, like kernel6x16s.
//
//go:noescape
func kernel12x32s(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

// copyPanels16 copies 16 floats from src+16q to dst+q*stride for q < n.
//
//go:noescape
func copyPanels16(dst *float32, stride int, src *float32, n int)

// copyPanels32 copies 32 floats from src+32q to dst+q*stride for q < n
// (AVX-512).
//
//go:noescape
func copyPanels32(dst *float32, stride int, src *float32, n int)

// transpose8x8 sets d[(p+i)*stride+r] = s[r*lds+p+i] for r, i < 8 and
// p = 0, 8, ..., 8(n-1) (AVX2).
//
//go:noescape
func transpose8x8(d *float32, stride int, s *float32, lds int, n int)

// hasTranspose8 says transpose8x8 may run.
var hasTranspose8 = cpuid.X86.AVX2

// AVX2 is the AVX2+FMA kernel, 6x16: twelve 8-float accumulators, two B
// registers and two broadcast A values fill the sixteen YMM registers.
var AVX2 = Kernel{"avx2", "avx2+fma 6x16", 6, 16, 256, kernelAVX2, kernelAVX2Unpacked, spread16AVX, nil}

// AVX512 is the AVX-512F kernel, 12x32: 24 sixteen-float accumulators, two
// B registers and broadcast A values in six more of the 32 ZMM registers.
// Per k it loads 2 B vectors and broadcasts 12 A values for 24 FMAs: 14
// loads per 12 cycles of two FMA ports, within two load ports. A 6x64
// tile needs 10 loads but a B micro-panel twice as wide (twice the L1
// footprint per k); 14x32 (all 32 registers) gains 17% FMAs per load but
// cannot share the 6-row addressing of unpacked A that 12 = 2x6 shares
// with the AVX2 kernel. kc = 256, as for AVX2: the k blocks are then the
// same, and every element sums the same fused multiply-adds in the same
// order, so the two kernels give bit-identical results for beta 0 or 1
// (all the models use) and a result does not depend on which x86 kernel
// ran. The 32 KiB B micro-panel then fills a 32 KiB L1 (Skylake-SP) and
// streams partly from L2 (128 bytes per 12 cycles, well within its
// bandwidth); no kc from 128 to 384 measured clearly faster on this
// machine's Zen 5 (48 KiB L1).
//
// Products of at most 16 columns (a decode step's swapped product, LoRA's
// rank-8 side) run on the AVX2 kernel, whose 16-wide tile has no padding
// there (bit-identical, as said).
var AVX512 = Kernel{"avx512", "avx512f 12x32", 12, 32, 256, kernelAVX512, kernelAVX512Unpacked, spread32AVX512, &AVX2}

var archKernels = amd64Kernels()

func amd64Kernels() []Kernel {
	var ks []Kernel
	if cpuid.X86.AVX2 && cpuid.X86.FMA {
		ks = append(ks, AVX2)
		// cpuid reports AVX512F only where the OS saves the opmask and
		// ZMM state (XCR0 bits 5-7).
		if cpuid.X86.AVX512F {
			ks = append(ks, AVX512)
		}
	}
	return ks
}

func kernelAVX2(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	// Bounds checks here keep the assembly memory-safe.
	_, _, _ = a[6*k-1], b[16*k-1], c[5*ldc+15]
	kernel6x16(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

func kernelAVX2Unpacked(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = a[5*lda+k-1], b[16*k-1], c[5*ldc+15]
	kernel6x16s(k, &a[0], lda, &b[0], &c[0], ldc, alpha, beta)
}

func kernelAVX512(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = a[12*k-1], b[32*k-1], c[11*ldc+31]
	kernel12x32(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

func kernelAVX512Unpacked(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = a[11*lda+k-1], b[32*k-1], c[11*ldc+31]
	kernel12x32s(k, &a[0], lda, &b[0], &c[0], ldc, alpha, beta)
}

func spread16AVX(dst []float32, stride int, src []float32, n int) {
	if n == 0 {
		return
	}
	_, _ = src[16*n-1], dst[(n-1)*stride+15]
	copyPanels16(&dst[0], stride, &src[0], n)
}

func spread32AVX512(dst []float32, stride int, src []float32, n int) {
	if n == 0 {
		return
	}
	_, _ = src[32*n-1], dst[(n-1)*stride+31]
	copyPanels32(&dst[0], stride, &src[0], n)
}
