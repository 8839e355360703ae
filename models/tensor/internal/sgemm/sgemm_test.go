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

// TestGemmBlocks covers sizes that cross every blocking boundary of every
// kernel this CPU runs (mr, nr, kc, mc and several k blocks; remainders of
// 6x16 and 12x32 tiles), with and without the swapped path for few rows,
// with alpha/beta and beta = 0 over NaN, and checks that one and several
// threads (up to 16, as on a 16-core host) give bit-identical results.
func TestGemmBlocks(t *testing.T) {
	defer func() { noSwap = false }()
	for _, noSwap = range []bool{false, true} {
		testGemmBlocks(t)
	}
}

func testGemmBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{6, 16, 1}, {7, 17, 5}, {12, 32, 3}, {13, 33, 193}, {11, 31, 2}, {145, 40, 300},
		{300, 33, 513}, {13, 200, 64}, {64, 3100, 20}, {512, 100, 70}, {290, 130, 385}, {100, 16, 40}, {70, 9, 300}}
	for _, kern := range Kernels() {
		for si, s := range sizes {
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
				alpha, beta := float32(1.5), float32(0.5)
				if si%2 == 1 { // beta = 0: C's NaNs must not be read
					alpha, beta = -0.75, 0
					for i := range c0 {
						c0[i] = float32(math.NaN())
					}
				}
				want := append([]float32(nil), c0...)
				naive(tr[0], tr[1], m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
				var got1 []float32
				for _, th := range []int{1, 2, 3, 16} {
					got := append([]float32(nil), c0...)
					kern.Gemm(tr[0], tr[1], m, n, k, alpha, a, lda, b, ldb, beta, got, ldc, th)
					if th == 1 {
						got1 = got
					}
					tag := fmt.Sprintf("%s %v tr=%v threads=%d noSwap=%v", kern.Name(), s, tr, th, noSwap)
					for i := range got {
						if i%ldc >= n { // padding: untouched
							if math.Float32bits(got[i]) != math.Float32bits(c0[i]) {
								t.Fatalf("%s: wrote padding at [%d]", tag, i)
							}
							continue
						}
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

// TestColSplit: the column split gives every worker work when rows alone
// cannot, keeps items at least 128 columns wide otherwise, and never
// exceeds the panels.
func TestColSplit(t *testing.T) {
	for _, c := range []struct{ panels, rowBlocks, workers, nr, want int }{
		{24, 4, 1, 32, 1},    // one worker: no split
		{24, 4, 16, 32, 4},   // M=512, N=768 on 16 threads: 16 equal items
		{24, 4, 2, 32, 1},    // 2 threads: the 4 row blocks suffice
		{72, 4, 16, 32, 4},   // N=2304
		{1, 4, 16, 32, 1},    // one panel cannot split
		{96, 15, 16, 32, 16}, // M=2048, N=3072: 15 rounds of 6 panels (90) beat 2 of 48 (96)
		{96, 15, 16, 16, 1},  // N=1536 in 16-column panels: no split of 128+ columns beats 1 round
		{24, 350, 16, 32, 1}, // the vocabulary's weight gradient: rows suffice
	} {
		got := colSplit(c.panels, c.rowBlocks, c.workers, c.nr)
		if got != c.want {
			t.Errorf("colSplit(%d panels, %d row blocks, %d workers) = %d, want %d", c.panels, c.rowBlocks, c.workers, got, c.want)
		}
	}
	if got := rowBlock(512, 12); got != 132 {
		t.Errorf("rowBlock(512, 12) = %d, want 132", got)
	}
	if got := rowBlock(100, 6); got != 102 {
		t.Errorf("rowBlock(100, 6) = %d, want 102", got)
	}
}

// TestSelect: SSMLAB_SGEMM's values pick the kernels by id; an unknown one
// falls back to the fastest and says so.
func TestSelect(t *testing.T) {
	ks := Kernels()
	for _, k := range ks {
		got, ok := Select(k.ID())
		if !ok || got.Name() != k.Name() {
			t.Errorf("Select(%q) = %s, %v", k.ID(), got.Name(), ok)
		}
	}
	if got, ok := Select(""); !ok || got.Name() != ks[len(ks)-1].Name() {
		t.Errorf("Select(\"\") = %s, %v, want the fastest", got.Name(), ok)
	}
	if got, ok := Select("avx9000"); ok || got.Name() != ks[len(ks)-1].Name() {
		t.Errorf("Select(avx9000) = %s, %v, want the fastest and false", got.Name(), ok)
	}
	t.Logf("kernels here: %d, best %s", len(ks), Best.Name())
}

// TestKernelsBitIdentical: the assembly kernels block k the same way and
// sum the same fused multiply-adds in the same order, so for beta 0 and 1
// (what the models use) they give bit-identical products, edge tiles and
// the swapped path included.
func TestKernelsBitIdentical(t *testing.T) {
	var asm []Kernel
	for _, k := range Kernels() {
		if k.ID() != "generic" {
			asm = append(asm, k)
		}
	}
	if len(asm) < 2 {
		t.Skipf("this CPU runs %d assembly kernel(s)", len(asm))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][3]int{{13, 48, 300}, {512, 100, 770}, {40, 200, 33}, {70, 90, 513}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, beta := range []float32{0, 1} {
				a, b, c0 := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, m*n)
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				var want []float32
				for _, kern := range asm {
					got := append([]float32(nil), c0...)
					kern.Gemm(tr[0], tr[1], m, n, k, 0.125, a, lda, b, ldb, beta, got, n, 2)
					if want == nil {
						want = got
						continue
					}
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%v tr=%v beta=%v: %s gives C[%d] = %v, %s %v", s, tr, beta, kern.Name(), i, got[i], asm[0].Name(), want[i])
						}
					}
				}
			}
		}
	}
}
