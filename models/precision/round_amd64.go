package precision

import (
	"os"

	"golang.org/x/sys/cpu"
)

// vectorRound reports whether RoundSlice may use the AVX2 loops
// (SSMLAB_NOASM=1 runs the scalar loop, as on other CPUs).
var vectorRound = cpu.X86.HasAVX2 && os.Getenv("SSMLAB_NOASM") == ""

//go:noescape
func roundBF16AVX(x *float32, n int)

//go:noescape
func roundFP16AVX(x *float32, n int)

// roundVector rounds the longest prefix of xs that the vector loops take
// and returns its length.
func roundVector(d DType, xs []float32) int {
	n := len(xs) &^ 7
	if !vectorRound || n == 0 {
		return 0
	}
	switch d {
	case BF16:
		roundBF16AVX(&xs[0], n)
	case FP16:
		roundFP16AVX(&xs[0], n)
	default:
		return 0
	}
	return n
}
