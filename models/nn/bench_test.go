package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// The layer benchmarks run at the small bench size: n = B·T = 2048 rows of
// width D = 128 (E = 256 for the convolution, V = 256 for the loss).

// BenchmarkLinear times forward and backward of a 128 -> 512 linear (the
// in_proj of the small Mamba), reporting GFLOP/s of the three products.
func BenchmarkLinear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	n, in, out := 2048, 128, 512
	l := NewLinear("l", in, out, true)
	randFill(r, l.W, 0.1)
	x, dy := nntest.Rand(r, n*in, 1), nntest.Rand(r, n*out, 1)
	y, dx := make([]float32, n*out), make([]float32, n*in)
	for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
		b.Run(pol.String(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				l.Forward(pol, y, x, n)
				l.Backward(pol, dx, dy, x, n)
			}
			b.ReportMetric(6*float64(n*in*out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkConv1d times the depthwise causal convolution (B 8, L 256, E
// 256, K 4) forward and backward, reporting GFLOP/s (3 products of
// B·L·E·K multiply-adds).
func BenchmarkConv1d(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	B, L, E, K := 8, 256, 256, 4
	c := NewConv1d("c", E, K, true)
	randFill(r, c.W, 0.5)
	x, dy := nntest.Rand(r, B*L*E, 1), nntest.Rand(r, B*L*E, 1)
	y, dx := make([]float32, B*L*E), make([]float32, B*L*E)
	for i := 0; i < b.N; i++ {
		c.Forward(precision.FP32Policy, y, x, B, L)
		c.Backward(precision.FP32Policy, dx, dy, x, B, L)
	}
	b.ReportMetric(6*float64(B*L*E*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkNorms times forward and backward of RMSNorm and LayerNorm over
// 2048 rows of 128, reporting GB/s (x, y read or written forward; x, dy
// read and dx written backward: 20 bytes per element).
func BenchmarkNorms(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	n, d := 2048, 128
	x, dy := nntest.Rand(r, n*d, 1), nntest.Rand(r, n*d, 1)
	y, dx, mean, rstd := make([]float32, n*d), make([]float32, n*d), make([]float32, n), make([]float32, n)
	rms, ln := NewRMSNorm("r", d, 1e-5), NewLayerNorm("l", d, 1e-5)
	b.Run("RMSNorm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rms.Forward(y, rstd, x, n)
			rms.Backward(dx, dy, x, rstd, n)
		}
		b.ReportMetric(20*float64(n*d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
	b.Run("LayerNorm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ln.Forward(y, mean, rstd, x, n)
			ln.Backward(dx, dy, x, mean, rstd, n)
		}
		b.ReportMetric(20*float64(n*d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
}

// BenchmarkCrossEntropy computes the loss and its gradient over 2048 rows
// of 256 logits, reporting GB/s (logits read, gradient written).
func BenchmarkCrossEntropy(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	rows, V := 2048, 256
	logits, d := nntest.Rand(r, rows*V, 2), make([]float32, rows*V)
	tg := make([]int, rows)
	for i := range tg {
		tg[i] = r.IntN(V)
	}
	for i := 0; i < b.N; i++ {
		CrossEntropy(d, logits, tg, rows, V, 1)
	}
	b.ReportMetric(8*float64(rows*V)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
