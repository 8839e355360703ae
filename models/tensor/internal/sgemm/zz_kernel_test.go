package sgemm

import (
	"testing"
	"time"
)

func TestProbeKernel(t *testing.T) {
	k := 256
	a, b, c := make([]float32, mr*k), make([]float32, nr*k), make([]float32, mr*nr)
	for _, kern := range []Kernel{Best, Generic} {
		best := time.Hour
		for rep := 0; rep < 200; rep++ {
			t0 := time.Now()
			for i := 0; i < 100; i++ {
				kern.fn(k, a, b, c, nr, 1, 1)
			}
			if d := time.Since(t0); d < best {
				best = d
			}
		}
		t.Logf("%s: %.1f GFLOP/s", kern.Name(), 100*2*float64(mr*nr*k)/best.Seconds()/1e9)
	}
}

func BenchmarkProbeTA(b *testing.B) {
	m, n, k := 512, 128, 2048
	a, bb, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
	for b.Loop() {
		Best.Gemm(true, false, m, n, k, 1, a, m, bb, n, 0, c, n, 1)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
