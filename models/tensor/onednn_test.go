//go:build onednn

package tensor

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor/internal/cpuid"
)

// TestOneDNNMatmulPrimitive runs HalfGemm's matmul-primitive path on fp32
// operands (supported on every CPU), twice so the second call hits the
// primitive cache.
func TestOneDNNMatmulPrimitive(t *testing.T) {
	t.Log(OneDNN{}.Describe())
	for range 2 {
		checkVsRef(t, "onednn matmul f32", precision.FP32, dnnlMatmulF32)
	}
}

// TestOneDNNHalfConversion checks the C conversions to 16-bit storage
// against the precision package's rounding.
func TestOneDNNHalfConversion(t *testing.T) {
	inf := float32(math.Inf(1))
	x := []float32{0, -0, 1, 1.00390625, 1.01171875, 3.1415927, -65504, 65519, 65520, 1e-8, 6e-8, 3e-5, 1e-40,
		inf, -inf, float32(math.NaN()), -float32(math.NaN()), math.MaxFloat32, 5.9604645e-08, 2.9802322e-08}
	// pad to a 3 x 8 matrix with row stride 9 so the vector loop runs too
	src := make([]float32, 3*9)
	for i := range src {
		src[i] = x[i%len(x)] * float32(1+i/len(x))
	}
	check := func(name string, got []uint16, want func(float32) uint16) {
		for i := 0; i < 3; i++ {
			for j := 0; j < 8; j++ {
				v := src[i*9+j]
				if g, w := got[i*8+j], want(v); g != w && !(v != v && g&0x7fff > 0x7c00 && w&0x7fff > 0x7c00) {
					t.Errorf("%s(%v) = %#04x, want %#04x", name, v, g, w)
				}
			}
		}
	}
	check("bf16", toHalf(true, new([]uint16), src, 3, 8, 9), precision.ToBF16Bits)
	used := make([]uint16, 100) // a reused buffer, larger and dirty
	for i := range used {
		used[i] = 0xffff
	}
	if got := toHalf(true, &used, src, 3, 8, 9); len(got) != 24 || &got[0] != &used[0] {
		t.Fatalf("toHalf did not reuse the buffer: len %d", len(got))
	} else {
		check("bf16 (reused buffer)", got, precision.ToBF16Bits)
	}
	if cpuid.X86.F16C {
		check("fp16", toHalf(false, new([]uint16), src, 3, 8, 9), precision.ToFP16Bits)
	}
}
