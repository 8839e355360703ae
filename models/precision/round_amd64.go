package precision

import (
	"os"

	"golang.org/x/sys/cpu"
)

// vectorRound reports whether RoundSlice may use the AVX2 loops
// (SSMLAB_NOASM=1 runs the scalar loop, as on other CPUs).
var vectorRound = cpu.X86.HasAVX2 && os.Getenv("SSMLAB_NOASM") == ""

//go:noescape
func roundBF16AVX(dst, src *float32, n int)

//go:noescape
func roundFP16AVX(dst, src *float32, n int)

// roundVector sets dst = round(src) for the longest prefix of src that the
// vector loops take and returns its length (dst, at least as long, may be
// src).
func roundVector(d DType, dst, src []float32) int {
	n := len(src) &^ 7
	if !vectorRound || n == 0 {
		return 0
	}
	dst = dst[:n]
	switch d {
	case BF16:
		roundBF16AVX(&dst[0], &src[0], n)
	case FP16:
		roundFP16AVX(&dst[0], &src[0], n)
	default:
		return 0
	}
	return n
}

//go:noescape
func fusedBF16AVX(kind int, dst, src *float32, n int, s float32)

//go:noescape
func fusedFP16AVX(kind int, dst, src *float32, n int, s float32)

// fusedVector runs the fused pass kind (fusedScaleTo, fusedAddRounded,
// fusedAddScaled) over the longest prefix of src the vector loops take and
// returns its length.
func fusedVector(d DType, kind int, dst, src []float32, s float32) int {
	n := len(src) &^ 7
	if !vectorRound || n == 0 {
		return 0
	}
	dst = dst[:n]
	switch d {
	case BF16:
		fusedBF16AVX(kind, &dst[0], &src[0], n, s)
	case FP16:
		fusedFP16AVX(kind, &dst[0], &src[0], n, s)
	default:
		return 0
	}
	return n
}
