package lyapunov

import (
	"math"
	"testing"
)

func TestExactSpectrumHandComputed(t *testing.T) {
	a := []float32{-1, -2, -0.5, -4}                 // (E=2, N=2)
	delta := []float32{0.1, 0.2, 0.3, 0.2, 0.2, 0.5} // (T=3, E=2): means 0.2, 0.3
	want := []float64{-0.2, -0.4, -0.15, -1.2}
	lambda, zeta := ExactSpectrum(a, 2, 2, delta, 3)
	for i, w := range want {
		if math.Abs(float64(lambda[i])-w) > 1e-7 {
			t.Errorf("lambda[%d] = %v, want %v", i, lambda[i], w)
		}
	}
	if math.Abs(float64(zeta)+0.15) > 1e-7 {
		t.Errorf("zeta = %v, want -0.15", zeta)
	}
	// Pathwise: per-step maxima -0.1, -0.1, -0.2; mean -0.4/3 >= zeta.
	if p := PathwiseZeta(a, 2, 2, delta, 3); math.Abs(p+0.4/3) > 1e-7 {
		t.Errorf("PathwiseZeta = %v, want %v", p, -0.4/3)
	}
}

func TestExactSpectrumBatchMatchesSingle(t *testing.T) {
	a := []float32{-1, -3, -0.25}                                      // (E=3, N=1)
	delta := []float32{1, 2, 3, 3, 2, 1, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5} // (B=2, T=2, E=3)
	lambda, zeta := ExactSpectrumBatch(a, 3, 1, delta, 2, 2)
	for b := range 2 {
		l1, z1 := ExactSpectrum(a, 3, 1, delta[b*6:(b+1)*6], 2)
		for i := range l1 {
			if lambda[b*3+i] != l1[i] {
				t.Errorf("batch %d lambda[%d] = %v, single = %v", b, i, lambda[b*3+i], l1[i])
			}
		}
		if zeta[b] != z1 {
			t.Errorf("batch %d zeta = %v, single = %v", b, zeta[b], z1)
		}
	}
	// Batch 0: means 2, 2, 2 -> lambda -2, -6, -0.5; zeta -0.5. Batch 1: means 1 -> zeta -0.25.
	if zeta[0] != -0.5 || zeta[1] != -0.25 {
		t.Errorf("zeta = %v, want [-0.5 -0.25]", zeta)
	}
}

func TestExactSpectrumPanicsOnShapes(t *testing.T) {
	cases := []struct {
		name        string
		a, delta    []float32
		e, n, b, tt int
	}{
		{"A size", []float32{-1}, []float32{1, 1}, 1, 2, 1, 2},
		{"delta size", []float32{-1, -1}, []float32{1}, 1, 2, 1, 2},
		{"zero T", []float32{-1}, nil, 1, 1, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			ExactSpectrumBatch(c.a, c.e, c.n, c.delta, c.b, c.tt)
		})
	}
}

func TestAFromLog(t *testing.T) {
	a := AFromLog([]float32{0, float32(math.Log(2)), float32(math.Log(16))})
	want := []float32{-1, -2, -16}
	for i := range want {
		if math.Abs(float64(a[i]-want[i])) > 1e-6 {
			t.Errorf("A[%d] = %v, want %v", i, a[i], want[i])
		}
	}
}
