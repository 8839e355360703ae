package precision

import (
	"os"

	"github.com/ssmlab/ssmlab/models/internal/cpuid"
)

// vectorRound reports whether RoundSlice may use the AVX2 loops
// (SSMLAB_NOASM=1 runs the scalar loop, as on other CPUs).
var vectorRound = cpuid.X86.AVX2 && os.Getenv("SSMLAB_NOASM") == ""

//go:noescape
func passBF16AVX(kind int, dst, src *float32, n int, s float32)

//go:noescape
func passFP16AVX(kind int, dst, src *float32, n int, s float32)

//go:noescape
func passBF16AVX512(kind int, dst, src *float32, n int, s float32)

// bf16Wide says whether the bf16 passes take 16 lanes at a time
// (AVX-512F), the AVX2 loop doing the last 8 values if any.
var bf16Wide = vectorRound && cpuid.X86.AVX512F

// vectorPass runs pass kind (passRound, passScaleTo, passAddRounded,
// passAddScaled) over the longest prefix of src the vector loops take and
// returns its length (dst at least as long; it may be src).
func vectorPass(d DType, kind int, dst, src []float32, s float32) int {
	n := len(src) &^ 7
	if !vectorRound || n == 0 {
		return 0
	}
	dst = dst[:n]
	switch d {
	case BF16:
		if n16 := n &^ 15; bf16Wide && n16 > 0 {
			passBF16AVX512(kind, &dst[0], &src[0], n16, s)
			if n > n16 {
				passBF16AVX(kind, &dst[n16], &src[n16], n-n16, s)
			}
			return n
		}
		passBF16AVX(kind, &dst[0], &src[0], n, s)
	case FP16:
		passFP16AVX(kind, &dst[0], &src[0], n, s)
	default:
		return 0
	}
	return n
}
