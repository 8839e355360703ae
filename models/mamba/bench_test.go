package mamba

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// The scan's work is ~6 flops per (b, t, e, n) forward and ~2x that backward.
func BenchmarkScan(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	in, _ := randScan(r, 4, 256, 512, 16)
	dY := make([]float32, 4*256*512)
	var out scanOut
	g := newScanGrads(in)
	flops := 18.0 * 4 * 256 * 512 * 16
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scan(precision.FP32Policy, in, &out)
		scanBackward(precision.FP32Policy, in, &out, dY, g)
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// A training step (forward, loss, backward) of a small model.
func BenchmarkTrainStep(b *testing.B) {
	c := DefaultConfig(1024, 256, 4)
	m, _ := New(c, 1)
	r := rand.New(rand.NewPCG(3, 4))
	B, T := 4, 256
	ids := randIDs(r, B*T, c.Vocab)
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
