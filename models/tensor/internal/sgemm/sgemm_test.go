package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				av, bv := a[i*lda+p], b[p*ldb+j]
				if transA {
					av = a[p*lda+i]
				}
				if transB {
					bv = b[j*ldb+p]
				}
				s += float64(av) * float64(bv)
			}
			v := alpha * float32(s)
			if beta != 0 {
				v += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = v
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// TestGemmBlocks covers sizes that cross every blocking boundary (mr, nr,
// kc, mc and several k blocks) with both kernels, with and without the
// swapped path for few rows, and checks that one and several threads give
// bit-identical results.
func TestGemmBlocks(t *testing.T) {
	defer func() { noSwap = false }()
	for _, noSwap = range []bool{false, true} {
		testGemmBlocks(t)
	}
}

func testGemmBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{6, 16, 1}, {7, 17, 5}, {145, 40, 300}, {300, 33, 513}, {13, 200, 64}, {64, 3100, 20}}
	for _, kern := range []Kernel{Generic, Best} {
		for _, s := range sizes {
			m, n, k := s[0], s[1], s[2]
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				lda, ldb, ldc := k+1, n+2, n+3
				if tr[0] {
					lda = m + 1
				}
				if tr[1] {
					ldb = k + 2
				}
				a, b := randSlice(r, max(m, k)*lda), randSlice(r, max(n, k)*ldb)
				c0 := randSlice(r, m*ldc)
				want := append([]float32(nil), c0...)
				naive(tr[0], tr[1], m, n, k, 1.5, a, lda, b, ldb, 0.5, want, ldc)
				var got1 []float32
				for _, th := range []int{1, 2, 3} {
					got := append([]float32(nil), c0...)
					kern.Gemm(tr[0], tr[1], m, n, k, 1.5, a, lda, b, ldb, 0.5, got, ldc, th)
					if th == 1 {
						got1 = got
					}
					tag := fmt.Sprintf("%s %v tr=%v threads=%d noSwap=%v", kern.Name(), s, tr, th, noSwap)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(got1[i]) {
							t.Fatalf("%s: [%d] %v differs from 1 thread %v", tag, i, got[i], got1[i])
						}
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Sqrt(float64(k))*(1+math.Abs(float64(want[i]))) {
							t.Fatalf("%s: [%d] = %v, want %v", tag, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
