package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/cpuid"
	"github.com/ssmlab/ssmlab/models/precision"
)

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// checkVsRef compares fn with Ref over transposes, padded leading
// dimensions, alpha/beta and NaN in C under beta = 0, on operands rounded to
// d's grid. Products of bf16 or fp16 values are exact in fp32, so only the
// fp32 accumulation order separates a native 16-bit GEMM from Ref.
func checkVsRef(t *testing.T, name string, d precision.DType, fn gemmFunc) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	for _, sz := range [][3]int{{1, 1, 1}, {7, 19, 33}, {64, 48, 300}, {130, 70, 257}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 0.25}} {
				ar, ac := rowsColsT(tr[0], m, k)
				br, bc := rowsColsT(tr[1], k, n)
				lda, ldb, ldc := ac+2, bc+1, n+3
				a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
				d.RoundSlice(a)
				d.RoundSlice(b)
				c0 := randSlice(r, m*ldc)
				if ab[1] == 0 {
					for i := range c0 {
						c0[i] = float32(math.NaN())
					}
				}
				want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
				Ref{}.Gemm(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
				fn(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
				tol := 4e-6 * (math.Sqrt(float64(k)) + 1)
				for i := range got {
					w, g := want[i], got[i]
					if i%ldc >= n {
						if math.Float32bits(w) != math.Float32bits(g) {
							t.Fatalf("%s %v tr=%v: wrote padding at %d", name, sz, tr, i)
						}
						continue
					}
					if g != g || math.Abs(float64(g-w)) > tol*(1+math.Abs(float64(w))) {
						t.Fatalf("%s %v tr=%v alpha,beta=%v: C[%d] = %v, want %v", name, sz, tr, ab, i, g, w)
					}
				}
			}
		}
	}
}

func rowsColsT(trans bool, r, c int) (int, int) {
	if trans {
		return c, r
	}
	return r, c
}

// TestHalfGemmNative checks every backend's native 16-bit GEMM against the
// fp32 reference on operands already on the 16-bit grid. It skips where no
// backend has native 16-bit units (any CPU without AVX512_BF16, AMX-BF16 or
// AVX512_FP16, or a build without the onednn tag).
func TestHalfGemmNative(t *testing.T) {
	ran := false
	for _, be := range Backends() {
		h, ok := be.(HalfGemmer)
		if !ok {
			continue
		}
		for _, d := range []precision.DType{precision.BF16, precision.FP16} {
			bf16 := d == precision.BF16
			if hn, ok := be.(HalfNativer); ok && !hn.HalfNative(bf16) {
				continue
			}
			ran = true
			checkVsRef(t, fmt.Sprintf("%s %s", be.Name(), d), d, func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
				if !h.HalfGemm(bf16, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
					t.Fatalf("%s: HalfGemm(%s) refused after HalfNative said yes", be.Name(), d)
				}
			})
		}
	}
	if !ran {
		t.Skipf("no native 16-bit GEMM in this build/CPU (CPU: %s); GemmAs emulates", cpuid.X86)
	}
}

// TestGemmAs checks the policy entry point on whatever path runs here.
func TestGemmAs(t *testing.T) {
	for _, d := range []precision.DType{precision.FP32, precision.BF16, precision.FP16} {
		t.Log(MatmulPath(d))
		checkVsRef(t, "GemmAs "+d.String(), d, func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			// GemmAs takes packed operands: repack, run, scatter back.
			ar, ac := rowsColsT(tA, m, k)
			br, bc := rowsColsT(tB, k, n)
			ap, bp, cp := pack(a, ar, ac, lda), pack(b, br, bc, ldb), pack(c, m, n, ldc)
			GemmAs(d, tA, tB, m, n, k, alpha, ap, bp, beta, cp)
			for i := 0; i < m; i++ {
				copy(c[i*ldc:i*ldc+n], cp[i*n:(i+1)*n])
			}
		})
	}
	if HalfNative(precision.FP32) {
		t.Fatal("HalfNative(FP32) = true")
	}
}

func pack(x []float32, rows, cols, ld int) []float32 {
	out := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		copy(out[i*cols:(i+1)*cols], x[i*ld:i*ld+cols])
	}
	return out
}
