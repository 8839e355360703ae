//go:build onednn

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/cpuid"
	"github.com/ssmlab/ssmlab/models/precision"
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

// TestOneDNNGemmMatmulSwitch runs OneDNN.Gemm with SSMLAB_ONEDNN_F32's
// switch on, so the primitive's fp32 path is checked against the reference
// by the suite, not only when a user sets the variable; Describe names it.
func TestOneDNNGemmMatmulSwitch(t *testing.T) {
	defer func(v bool) { f32Matmul = v }(f32Matmul)
	f32Matmul = true
	checkVsRef(t, "onednn gemm via matmul", precision.FP32, OneDNN{}.Gemm)
	if d := (OneDNN{}).Describe(); !strings.Contains(d, "fp32 matmul primitive") {
		t.Errorf("Describe() = %q, want it to name the matmul primitive", d)
	}
}

// TestOneDNNHalfConversion checks the C conversions to 16-bit storage
// against the precision package's rounding: special values, ties to even
// and random bit patterns (every exponent, NaN payloads), in a matrix whose
// rows are long enough for the vector loops (16 wide for bf16, 8 for fp16)
// and their scalar tails, with a row stride larger than a row.
func TestOneDNNHalfConversion(t *testing.T) {
	inf := float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 1.00390625, 1.01171875, 3.1415927, -65504, 65519, 65520, 1e-8, 6e-8, 3e-5, 1e-40,
		inf, -inf, float32(math.NaN()), -float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, 5.9604645e-08, 2.9802322e-08}
	const rows, cols, ld = 5, 37, 41
	src := make([]float32, rows*ld)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range src {
		switch {
		case i < len(special):
			src[i] = special[i]
		case i%5 == 0: // a tie: the low half exactly 0x8000, upper half odd or even
			src[i] = math.Float32frombits(r.Uint32()&0xffff0000 | 0x8000)
		default:
			src[i] = math.Float32frombits(r.Uint32())
		}
	}
	check := func(name string, got []uint16, want func(float32) uint16) {
		t.Helper()
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				v := src[i*ld+j]
				if g, w := got[i*cols+j], want(v); g != w && !(v != v && g&0x7fff > 0x7c00 && w&0x7fff > 0x7c00) {
					t.Errorf("%s(%v, bits %#08x) = %#04x, want %#04x", name, v, math.Float32bits(v), g, w)
				}
			}
		}
	}
	check("bf16", toHalf(true, new([]uint16), src, rows, cols, ld), precision.ToBF16Bits)
	used := make([]uint16, 1000) // a reused buffer, larger and dirty
	for i := range used {
		used[i] = 0xffff
	}
	if got := toHalf(true, &used, src, rows, cols, ld); len(got) != rows*cols || &got[0] != &used[0] {
		t.Fatalf("toHalf did not reuse the buffer: len %d", len(got))
	} else {
		check("bf16 (reused buffer)", got, precision.ToBF16Bits)
	}
	if cpuid.X86.F16C {
		check("fp16", toHalf(false, new([]uint16), src, rows, cols, ld), precision.ToFP16Bits)
	}
}

// TestHalfGemmRoundsOperands gives the native 16-bit product operands off
// the 16-bit grid (each value nudged by a quarter of its spacing, so it
// rounds back) and expects the product of the rounded values: nn.Linear
// relies on it to skip its own rounding pass. It runs the fast kernels and
// the fp32 fallback for layouts without one.
func TestHalfGemmRoundsOperands(t *testing.T) {
	ran := false
	defer func() { halfFallback = false }()
	for _, d := range []precision.DType{precision.BF16, precision.FP16} {
		bf16 := d == precision.BF16
		if !dnnlHalf(bf16) {
			continue
		}
		ran = true
		rel := float32(1.0 / 1024) // bf16 spacing is 2^-7 relative (2^-8 just below a power of two)
		if !bf16 {
			rel = 1.0 / 8192 // fp16: 2^-10
		}
		for _, fallback := range []bool{false, true} {
			halfFallback = fallback
			checkVsRef(t, fmt.Sprintf("onednn %s off-grid operands, fallback %v", d, fallback), d,
				func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
					nudge := func(x []float32) []float32 {
						y := make([]float32, len(x))
						for i, v := range x {
							y[i] = v * (1 + rel*float32(1-2*(i%2)))
						}
						return y
					}
					if !(OneDNN{}).HalfGemm(bf16, tA, tB, m, n, k, alpha, nudge(a), lda, nudge(b), ldb, beta, c, ldc) {
						t.Fatalf("HalfGemm(%s) refused after HalfNative said yes", d)
					}
				})
		}
	}
	if !ran {
		t.Skipf("no native 16-bit matmul on this CPU (%s)", cpuid.X86)
	}
}

// BenchmarkOneDNNF32 compares oneDNN's two fp32 paths on the model's
// shapes: dnnl_sgemm and the matmul primitive (which may dispatch to
// other kernels, named in the log).
func BenchmarkOneDNNF32(b *testing.B) {
	for _, s := range modelShapes {
		_, ac := rowsColsT(s.tA, s.m, s.k)
		_, bc := rowsColsT(s.tB, s.k, s.n)
		b.Logf("%s: matmul primitive %q", s, dnnlF32Impl(s.tA, s.tB, s.m, s.n, s.k, ac, bc, s.n))
		b.Run("sgemm/"+s.String(), func(b *testing.B) {
			benchGemm(b, s, func(tA, tB bool, m, n, k int, alpha float32, x []float32, lda int, w []float32, ldb int, beta float32, c []float32, ldc int) {
				dnnlSgemm(runtime.GOMAXPROCS(0), tA, tB, m, n, k, alpha, x, lda, w, ldb, beta, c, ldc)
			})
		})
		b.Run("matmul/"+s.String(), func(b *testing.B) { benchGemm(b, s, dnnlMatmulF32) })
	}
}
