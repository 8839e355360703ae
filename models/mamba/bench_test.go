package mamba

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// BenchmarkScan times a forward and backward scan at the small bench size
// (B 8, L 256, E 256, N 16): the vectorised kernels ("asm"), their Go
// versions ("go") and the plain references (scanRef + scanBackwardRef).
// GFLOP/s counts the nominal 8 flops per (b, t, e, n) forward (exp as one)
// and 3x that for forward plus backward, as ssmlab bench does; Melem/s is
// state elements (b, t, e, n) per second through forward and backward.
func BenchmarkScan(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	B, L, E, N := 8, 256, 256, 16
	in, _ := randScan(r, B, L, E, N)
	dY := nntest.Rand(r, B*L*E, 1)
	var out scanOut
	g := newScanGrads(in)
	elems := float64(B * L * E * N)
	for _, v := range []struct {
		name  string
		accel bool
		fwd   func(precision.Policy, *scanIn, *scanOut)
		bwd   func(precision.Policy, *scanIn, *scanOut, []float32, *scanGrads)
	}{{"asm", true, scan, scanBackward}, {"go", false, scan, scanBackward}, {"reference", false, scanRef, scanBackwardRef}} {
		b.Run(v.name, func(b *testing.B) {
			if v.accel && !kern.Accelerated() {
				b.Skip("no AVX2+FMA")
			}
			defer kern.SetAccelerated(kern.SetAccelerated(v.accel))
			v.fwd(precision.FP32Policy, in, &out)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v.fwd(precision.FP32Policy, in, &out)
				v.bwd(precision.FP32Policy, in, &out, dY, g)
			}
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(24*elems/s/1e9, "GFLOP/s")
			b.ReportMetric(elems/s/1e6, "Melem/s")
		})
	}
}

// A training step (forward, loss, backward) of a small model.
func BenchmarkTrainStep(b *testing.B) {
	c := DefaultConfig(1024, 256, 4)
	m, _ := New(c, 1)
	r := rand.New(rand.NewPCG(3, 4))
	B, T := 4, 256
	ids := nntest.RandIDs(r, B*T, c.Vocab)
	tg := nn.ShiftLabels(ids, B, T)
	for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
		b.Run(pol.String(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				nn.ZeroGrads(m.Params())
				lm.Loss(m, pol, ids, tg, B, T, true, 1)
			}
			b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
