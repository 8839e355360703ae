package sgemm

import (
	"fmt"
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
	for _, sh := range [][3]int{{512, 128, 2048}, {128, 512, 2048}} {
		for _, th := range []int{1, 2} {
			m, n, k := sh[0], sh[1], sh[2]
			a, bb, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
			b.Run(fmt.Sprintf("%v_t%d", sh, th), func(b *testing.B) {
				for b.Loop() {
					Best.Gemm(true, false, m, n, k, 1, a, m, bb, n, 0, c, n, th)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func BenchmarkProbeSwap(b *testing.B) {
	for _, m := range []int{1, 4, 8, 16, 32, 48, 64, 96, 128} {
		for _, ns := range []bool{false, true} {
			n, k := 512, 512
			a, bb, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
			b.Run(fmt.Sprintf("m%d_noswap%v", m, ns), func(b *testing.B) {
				noSwap = ns
				for b.Loop() {
					Best.Gemm(false, true, m, n, k, 1, a, k, bb, k, 0, c, n, 2)
				}
				noSwap = false
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
