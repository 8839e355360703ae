package tensor

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// gemmShape is one product of a small model's training step: M = batch*seq
// = 2048 rows, K and N in 128..512. NT is the forward x·Wᵀ, NN the input
// gradient dy·W, TN the weight gradient dyᵀ·x (K = 2048).
type gemmShape struct {
	tA, tB  bool
	m, n, k int
}

func (s gemmShape) String() string {
	op := map[[2]bool]string{{false, false}: "NN", {false, true}: "NT", {true, false}: "TN", {true, true}: "TT"}[[2]bool{s.tA, s.tB}]
	return fmt.Sprintf("%s_M%d_N%d_K%d", op, s.m, s.n, s.k)
}

var modelShapes = []gemmShape{
	{false, true, 2048, 128, 128}, {false, true, 2048, 512, 128}, {false, true, 2048, 128, 512}, {false, true, 2048, 512, 512},
	{false, false, 2048, 512, 128}, {false, false, 2048, 128, 512},
	{true, false, 512, 128, 2048}, {true, false, 128, 512, 2048},
	{false, true, 16, 512, 512}, // one decode step of a batch of 16
}

func benchGemm(b *testing.B, s gemmShape, run gemmFunc) {
	r := rand.New(rand.NewPCG(1, 1))
	ar, ac := rowsColsT(s.tA, s.m, s.k)
	br, bc := rowsColsT(s.tB, s.k, s.n)
	x, w, c := randSlice(r, ar*ac), randSlice(r, br*bc), make([]float32, s.m*s.n)
	run(s.tA, s.tB, s.m, s.n, s.k, 1, x, ac, w, bc, 0, c, s.n) // warm caches and primitive caches
	b.ResetTimer()
	for b.Loop() {
		run(s.tA, s.tB, s.m, s.n, s.k, 1, x, ac, w, bc, 0, c, s.n)
	}
	b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemm reports GFLOP/s of every backend but the reference on the
// model's shapes.
func BenchmarkGemm(b *testing.B) {
	for _, be := range Backends() {
		if be.Name() == "reference" {
			continue
		}
		for _, s := range modelShapes {
			b.Run(be.Name()+"/"+s.String(), func(b *testing.B) { benchGemm(b, s, be.Gemm) })
		}
	}
}

// pythiaShapes are the products of a pythia-160m-shaped training step on
// one sequence of 512 tokens (d_model 768, MLP 3072): the fused q/k/v
// projection, the MLP's two linears forward (NT), the MLP-down input
// gradient (NN), the MLP-up weight gradient (TN) and an 8192-column slice
// of the 50304-token output head.
var pythiaShapes = []gemmShape{
	{false, true, 512, 2304, 768}, {false, true, 512, 3072, 768}, {false, true, 512, 768, 3072},
	{false, false, 512, 768, 3072}, {true, false, 3072, 768, 512}, {false, true, 512, 8192, 768},
}

// BenchmarkGemm160m reports GFLOP/s of every pure-Go kernel this CPU runs
// and the cgo backends on pythiaShapes.
func BenchmarkGemm160m(b *testing.B) {
	for _, be := range Backends() {
		if n := be.Name(); n == "reference" || n == "gonum" || n == "go-generic" {
			continue
		}
		for _, s := range pythiaShapes {
			b.Run(be.Name()+"/"+s.String(), func(b *testing.B) { benchGemm(b, s, be.Gemm) })
		}
	}
}

// BenchmarkGemmPeak runs every backend on a large square product; the best
// figure is the practical fp32 peak of the machine that the model shapes
// are compared with (PERF.md).
func BenchmarkGemmPeak(b *testing.B) {
	for _, be := range Backends() {
		if n := be.Name(); n == "reference" || n == "gonum" || n == "go-generic" {
			continue
		}
		b.Run(be.Name()+"/NN_1536", func(b *testing.B) { benchGemm(b, gemmShape{false, false, 1536, 1536, 1536}, be.Gemm) })
	}
}

// BenchmarkGemmHalf reports GFLOP/s of native bf16/fp16 GEMM (fp32
// accumulation) where a backend has it on this CPU, with the conversion of
// the operands to 16-bit storage included.
func BenchmarkGemmHalf(b *testing.B) {
	ran := false
	for _, be := range Backends() {
		h, ok := be.(HalfGemmer)
		hn, ok2 := be.(HalfNativer)
		if !ok || !ok2 {
			continue
		}
		for _, bf16 := range []bool{true, false} {
			if !hn.HalfNative(bf16) {
				continue
			}
			ran = true
			name := map[bool]string{true: "bf16", false: "fp16"}[bf16]
			for _, s := range modelShapes {
				b.Run(be.Name()+"-"+name+"/"+s.String(), func(b *testing.B) {
					benchGemm(b, s, func(tA, tB bool, m, n, k int, alpha float32, x []float32, lda int, w []float32, ldb int, beta float32, c []float32, ldc int) {
						h.HalfGemm(bf16, tA, tB, m, n, k, alpha, x, lda, w, ldb, beta, c, ldc)
					})
				})
			}
		}
	}
	if !ran {
		b.Skip("no native 16-bit GEMM on this CPU/build")
	}
}

// benchStream reports GB/s of an elementwise kernel over n floats that
// moves bytesPerElem bytes per element (reads plus writes).
func benchStream(b *testing.B, bytesPerElem int, fn func()) {
	fn()
	b.ResetTimer()
	for b.Loop() {
		fn()
	}
	b.ReportMetric(float64(bytesPerElem)*float64(streamN)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// streamN floats (4 MiB a vector): the size of a (2048, 512) activation,
// which lives in L3 on current CPUs, as the model's do.
const streamN = 1 << 20

// BenchmarkElementwise reports GB/s of the elementwise kernels and
// reductions; "copy" (the runtime's memmove) is the practical bandwidth
// peak they are compared with.
func BenchmarkElementwise(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	x, y, d := randSlice(r, streamN), randSlice(r, streamN), make([]float32, streamN)
	var sink float64
	for _, k := range []struct {
		name  string
		bytes int
		fn    func()
	}{
		{"copy", 8, func() { copy(d, x) }},
		{"Fill", 4, func() { Fill(d, 1) }},
		{"Scale", 8, func() { Scale(d, 1) }},
		{"AddTo", 12, func() { AddTo(d, x) }},
		{"Axpy", 12, func() { Axpy(0.5, x, d) }},
		{"Add", 12, func() { Add(d, x, y) }},
		{"Mul", 12, func() { Mul(d, x, y) }},
		{"Sum", 4, func() { sink += Sum(x) }},
		{"Dot", 8, func() { sink += Dot(x, y) }},
		{"SumSq", 4, func() { sink += SumSq(x) }},
		{"MaxAbs", 4, func() { sink += float64(MaxAbs(x)) }},
		{"SoftmaxRows_2048x512", 8, func() { SoftmaxRows(d, x, 2048, 512) }},
		{"LogSoftmaxRows_2048x512", 8, func() { LogSoftmaxRows(d, x, 2048, 512) }},
	} {
		b.Run(k.name, func(b *testing.B) { benchStream(b, k.bytes, k.fn) })
	}
	_ = sink
}

// BenchmarkParallelOverhead times a fork-join of Parallel over GOMAXPROCS
// chunks of almost no work (16 floats each): the fixed cost every parallel
// pass of a forward pays, waking the workers and waiting for the last.
// "back-to-back" runs the joins in a row (the workers are still awake);
// "after-serial" runs 100 µs of work on one goroutine before each join,
// as a forward's serial stretches do, so the workers may have gone to
// sleep; its time is reported without those 100 µs.
//
//	go test ./models/tensor -run '^$' -bench ParallelOverhead -cpu 1,2,8,16
func BenchmarkParallelOverhead(b *testing.B) {
	d := make([]float32, 16*runtime.GOMAXPROCS(0))
	join := func() { Parallel(len(d), 16, func(lo, hi int) { Scale(d[lo:hi], 1) }) }
	b.Run("back-to-back", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			join()
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N), "µs/op")
	})
	b.Run("after-serial", func(b *testing.B) {
		var serial time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			for time.Since(t0) < 100*time.Microsecond {
			}
			serial += time.Since(t0)
			join()
		}
		b.ReportMetric((b.Elapsed()-serial).Seconds()*1e6/float64(b.N), "µs/op")
	})
}
