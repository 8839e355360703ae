package sgemm

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// per-core GFLOP/s from CPU time (robust to other load) and wall GFLOP/s
func TestProbeCPU(t *testing.T) {
	if os.Getenv("PROBECPU") == "" {
		t.Skip()
	}
	shapes := []struct {
		tA, tB  bool
		m, n, k int
	}{{false, true, 2048, 128, 128}, {false, true, 2048, 512, 512}, {false, false, 2048, 128, 512}, {true, false, 512, 128, 2048}, {true, false, 128, 512, 2048}, {false, true, 16, 512, 512}}
	for _, s := range shapes {
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		a, b, c := make([]float32, s.m*s.k), make([]float32, s.n*s.k), make([]float32, s.m*s.n)
		line := fmt.Sprintf("%v", s)
		for _, th := range []int{1, 2} {
			best := time.Hour
			w0 := time.Now()
			for time.Since(w0) < 3*time.Second {
				t0 := time.Now()
				Best.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n, th)
				best = min(best, time.Since(t0))
			}
			line += fmt.Sprintf("  t%d: %.1f", th, 2*float64(s.m*s.n*s.k)/best.Seconds()/1e9)
		}
		t.Log(line)
	}
}
