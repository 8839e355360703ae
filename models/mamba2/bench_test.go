package mamba2

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkScan times the scans forward and backward. GFLOP/s counts the
// sequential recurrence's 4·P·N per step and head for every kernel, so the
// numbers compare time for the same result.
func BenchmarkScan(b *testing.B) {
	d := Dims{B: 2, L: 512, H: 8, P: 32, G: 1, N: 32}
	r := rand.New(rand.NewPCG(1, 1))
	c := newScanCase(r, d, false)
	y := make([]float32, len(c.x))
	report := func(b *testing.B) {
		b.ReportMetric(4*float64(d.B*d.L*d.H*d.P*d.N)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	b.Run("sequential", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			SeqScan(y, nil, c.x, c.dt, c.A, c.Bm, c.Cm, nil, d)
		}
		report(b)
	})
	for _, k := range scanKernels {
		for _, q := range []int{16, 64, 256} {
			st := make([]float32, d.B*d.H*(NumChunks(d.L, q)+1)*d.P*d.N)
			b.Run(fmt.Sprintf("%s/Q=%d/forward", k.name, q), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					k.fwd(y, st, c.x, c.dt, c.A, c.Bm, c.Cm, nil, d, q)
				}
				report(b)
			})
			g := newScanGrads(d)
			b.Run(fmt.Sprintf("%s/Q=%d/backward", k.name, q), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					k.bwd(g.dx, g.ddt, g.dA, g.dB, g.dC, y, st, c.x, c.dt, c.A, c.Bm, c.Cm, d, q)
				}
				report(b)
			})
		}
	}
}
