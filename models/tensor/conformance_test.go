package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// TestGemmConformance runs every registered backend against Ref on all
// transpose combinations, padded leading dimensions, alpha/beta values, NaN
// garbage in C under beta = 0, and degenerate sizes.
func TestGemmConformance(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	sizes := [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {64, 64, 64}, {130, 70, 257}, {25, 65, 385}, {2, 300, 1}, {0, 4, 3}, {4, 0, 3}, {5, 6, 0}}
	params := [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}}
	type impl struct {
		name string
		gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}
	var impls []impl
	for _, be := range Backends() {
		impls = append(impls, impl{be.Name(), be.Gemm})
		if s, ok := be.(SerialGemmer); ok { // the single-threaded form too
			impls = append(impls, impl{be.Name() + " serial", s.GemmSerial})
		}
	}
	for _, be := range impls {
		for _, sz := range sizes {
			m, n, k := sz[0], sz[1], sz[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, ab := range params {
						pad := 3
						ar, ac := m, k
						if tA {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+pad, bc+pad, n+pad
						a := randSlice(r, max(ar*lda, 1))
						b := randSlice(r, max(br*ldb, 1))
						c0 := randSlice(r, max(m*ldc, 1))
						if ab[1] == 0 {
							for i := range c0 {
								c0[i] = float32(math.NaN())
							}
						}
						want := append([]float32(nil), c0...)
						got := append([]float32(nil), c0...)
						Ref{}.Gemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
						be.gemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
						name := fmt.Sprintf("%s m%d n%d k%d tA=%v tB=%v a=%v b=%v", be.name, m, n, k, tA, tB, ab[0], ab[1])
						tol := 1e-5 * float64(math.Sqrt(float64(k))+1) * 4
						for i := 0; i < m; i++ {
							for j := 0; j < ldc; j++ {
								w, g := want[i*ldc+j], got[i*ldc+j]
								if j >= n { // padding must be untouched
									if math.Float32bits(w) != math.Float32bits(g) {
										t.Fatalf("%s: wrote padding at (%d,%d)", name, i, j)
									}
									continue
								}
								if g != g || math.Abs(float64(g-w)) > tol*(1+math.Abs(float64(w))) {
									t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, j, g, w)
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestGemmWrapperAndUse(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}   // 2x3
	w := []float32{1, 0, 1, 0, 1, 0}   // 2x3 (out x in)
	y := []float32{100, 100, 100, 100} // 2x2
	MatMulT(y, a, w, 2, 3, 2, false)
	if y[0] != 4 || y[1] != 2 || y[2] != 10 || y[3] != 5 {
		t.Fatalf("MatMulT = %v", y)
	}
	MatMulT(y, a, w, 2, 3, 2, true)
	if y[0] != 8 {
		t.Fatalf("MatMulT accumulate = %v", y)
	}
	if err := Use("no-such-blas"); err == nil {
		t.Fatal("Use accepted an unknown backend")
	}
	prev := Default().Name()
	if err := Use("reference"); err != nil || Default().Name() != "reference" {
		t.Fatalf("Use(reference): %v", err)
	}
	if err := Use(prev); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm with a short C did not panic")
		}
	}()
	Gemm(false, false, 2, 2, 3, 1, a, a, 0, y[:3])
}

func TestSoftmaxMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 1}, {5, 7}, {33, 64}, {3, 1000}} {
		rows, n := sz[0], sz[1]
		x := randSlice(r, rows*n)
		for i := range x {
			x[i] *= 10
		}
		x[0] = 80 // large values must not overflow
		got, want := make([]float32, rows*n), make([]float32, rows*n)
		SoftmaxRows(got, x, rows, n)
		RefSoftmaxRows(want, x, rows, n)
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("softmax %v: [%d] %v vs %v", sz, i, got[i], want[i])
			}
		}
		LogSoftmaxRows(got, x, rows, n)
		RefLogSoftmaxRows(want, x, rows, n)
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("logsoftmax %v: [%d] %v vs %v", sz, i, got[i], want[i])
			}
		}
		for row := 0; row < rows; row++ {
			SoftmaxRows(got, x, rows, n)
			if s := Sum(got[row*n : (row+1)*n]); math.Abs(s-1) > 1e-5 {
				t.Fatalf("softmax row %d sums to %v", row, s)
			}
		}
	}
}

func TestElementwiseAndReductions(t *testing.T) {
	a := []float32{1, -2, 3}
	b := []float32{4, 5, -6}
	d := make([]float32, 3)
	Add(d, a, b)
	if d[0] != 5 || d[1] != 3 || d[2] != -3 {
		t.Fatalf("Add %v", d)
	}
	Mul(d, a, b)
	if d[2] != -18 {
		t.Fatalf("Mul %v", d)
	}
	AddTo(d, a)
	Axpy(2, a, d)
	Scale(d, 0.5)
	if d[0] != (4+1+2)*0.5 {
		t.Fatalf("AddTo/Axpy/Scale %v", d)
	}
	if Sum(a) != 2 || Dot(a, b) != 4-10-18 || SumSq(a) != 14 || MaxAbs(b) != 6 {
		t.Fatal("reductions wrong")
	}
	if v := MaxAbs([]float32{1, float32(math.NaN()), 2}); v == v {
		t.Fatal("MaxAbs must propagate NaN")
	}
	if got := LogSumExp([]float32{1000, 1000}); math.Abs(got-(1000+math.Ln2)) > 1e-9 {
		t.Fatalf("LogSumExp = %v", got)
	}
}

func TestParallelCoversEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		seen := make([]int32, n)
		Parallel(n, 3, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d index %d visited %d times", n, i, c)
			}
		}
	}
}

// ParallelBlocks hands out blocks of at most the block size, in order
// within each worker, that cover every index once.
func TestParallelBlocksCoverEachIndexOnce(t *testing.T) {
	for _, c := range [][2]int{{0, 4}, {1, 4}, {7, 3}, {100000, 4096}, {70000, 1 << 15}, {5, 0}} {
		n, block := c[0], c[1]
		seen := make([]int32, n)
		var mu sync.Mutex
		ParallelBlocks(n, block, func(lo, hi int) {
			if hi-lo > max(1, block) || lo >= hi || (lo%max(1, block)) != 0 {
				mu.Lock()
				t.Errorf("n=%d block=%d: got block [%d, %d)", n, block, lo, hi)
				mu.Unlock()
			}
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&seen[i], 1)
			}
		})
		for i, v := range seen {
			if v != 1 {
				t.Fatalf("n=%d block=%d: index %d visited %d times", n, block, i, v)
			}
		}
	}
}

func TestTensorBasics(t *testing.T) {
	x := New(2, 3)
	if x.Numel() != 6 || x.Dim(-1) != 3 || x.String() != "Tensor[2,3]" {
		t.Fatal("New/Dim/String")
	}
	y := x.Clone()
	y.Data[0] = 1
	if x.Data[0] != 0 {
		t.Fatal("Clone shares data")
	}
	if z := y.Reshape(3, 2); z.Data[0] != 1 || !SameShape(z.Shape, []int{3, 2}) {
		t.Fatal("Reshape")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("From with wrong size did not panic")
		}
	}()
	From(make([]float32, 5), 2, 3)
}

// GemmSerial runs on the default backend, through its serial form where it
// has one; the pure-Go form is bit-identical to its threaded Gemm.
func TestGemmSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	m, n, k := 37, 70, 300
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	prev := Default().Name()
	defer func() {
		if err := Use(prev); err != nil {
			t.Fatal(err)
		}
	}()
	want := make([]float32, m*n)
	Ref{}.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for _, be := range Backends() {
		if err := Use(be.Name()); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, m*n)
		GemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: GemmSerial C[%d] = %v, want %v", be.Name(), i, got[i], want[i])
			}
		}
		if g, ok := be.(Go); ok {
			threaded := make([]float32, m*n)
			g.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, threaded, n)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(threaded[i]) {
					t.Fatalf("%s: GemmSerial C[%d] = %v differs from Gemm's %v", be.Name(), i, got[i], threaded[i])
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("GemmSerial with a short C did not panic")
		}
	}()
	GemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, want[:m*n-1], n)
}
