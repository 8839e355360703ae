package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// BenchmarkAdamW updates 1 Mi parameters (about the small bench Mamba x2)
// with weight decay, reporting GB/s: 16 bytes read (w, g, m, v) and 12
// written (w, m, v) per parameter, plus the decay's 8.
func BenchmarkAdamW(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	p := nn.NewParam("w", false, 1<<20)
	for i := range p.Value.Data {
		p.Value.Data[i], p.Grad.Data[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	o := NewAdamW([]*nn.Param{p}, AdamWConfig{WeightDecay: 0.01})
	for _, accel := range []bool{true, false} {
		b.Run(map[bool]string{true: "asm", false: "go"}[accel], func(b *testing.B) {
			defer kern.SetAccelerated(kern.SetAccelerated(accel))
			for i := 0; i < b.N; i++ {
				o.Update(1e-4, precision.FP32Policy)
			}
			b.ReportMetric(36*float64(1<<20)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
