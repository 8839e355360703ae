package tensor

import "github.com/ssmlab/ssmlab/models/precision"

// HalfNativer is implemented by HalfGemmers that can say, without running
// a product, whether HalfGemm is native on this machine.
type HalfNativer interface {
	HalfNative(bf16 bool) bool
}

// Describer is implemented by backends that say more than their name for
// provenance (library version, micro-kernel, instruction set).
type Describer interface {
	Describe() string
}

// HalfNative reports whether the default backend multiplies d (FP16 or
// BF16) operands with native 16-bit instructions here. FP32 reports false.
func HalfNative(d precision.DType) bool {
	if d == precision.FP32 {
		return false
	}
	h, ok := Default().(HalfNativer)
	return ok && h.HalfNative(d == precision.BF16)
}

// MatmulPath describes, for provenance, how a matmul under compute type d
// runs: natively in 16 bits, or emulated by fp32 GEMM on operands rounded to
// the 16-bit grid (docs/precision.md), and on which backend.
func MatmulPath(d precision.DType) string {
	be := Default()
	desc := be.Name()
	if ds, ok := be.(Describer); ok {
		desc = ds.Describe()
	}
	switch {
	case d == precision.FP32:
		return "fp32 gemm on " + desc
	case HalfNative(d):
		return d.String() + " native (16-bit operands, fp32 accumulation) on " + desc
	}
	return d.String() + " emulated (operands rounded to " + d.String() + ", fp32 gemm) on " + desc
}

// GemmAs is Gemm for the autocast policy's matmuls under compute type d,
// whose operands a and b the caller has rounded to d, except where
// HalfNative(d): there the default backend's 16-bit units run the product
// (fp32 accumulation) and round the operands themselves as they convert
// them, so callers may skip that pass. Elsewhere, and for FP32, the fp32
// Gemm does. Both give the same numbers up to fp32 accumulation order,
// because a product of two bf16 or fp16 values is exact in fp32. Rounding
// the result to d stays with the caller, as it does for the emulated path.
func GemmAs(d precision.DType, transA, transB bool, m, n, k int, alpha float32, a, b []float32, beta float32, c []float32) {
	if d != precision.FP32 {
		if h, ok := Default().(HalfGemmer); ok {
			lda, ldb := k, n
			if transA {
				lda = m
			}
			if transB {
				ldb = k
			}
			checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, n)
			t0 := clockStart()
			if h.HalfGemm(d == precision.BF16, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n) {
				clockStop(t0, false)
				return
			}
		}
	}
	Gemm(transA, transB, m, n, k, alpha, a, b, beta, c)
}

// MatMulTAs is MatMulT under compute type d (see GemmAs).
func MatMulTAs(d precision.DType, y, x, w []float32, n, in, out int, accumulate bool) {
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	GemmAs(d, false, true, n, out, in, 1, x, w, beta, y)
}
