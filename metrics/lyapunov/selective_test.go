package lyapunov_test

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/internal/testsys"
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

// QR on a Mamba-like selective layer against the closed form A*mean(delta).
//
// Started on the coordinate axes, QR on a diagonal map is exact: each R_jj is
// the step's own exp(delta A). Started at random, as it must be in general,
// it carries a fixed offset, log|det| of the start's projection on the
// leading directions, so the error is C/T; averaging over a window that skips
// T0 transient steps while the closed form averages all T steps adds
// (T0/T)*A*(mean over window - mean over transient), also C/T.

func TestBenettinDiagonalAxisStartIsExact(t *testing.T) {
	s := testsys.NewSelective(4, 4, 0.1, 1, 21)
	in := testsys.Inputs(300, 4, 1, 22)
	res, err := lyapunov.Benettin(s, in, make([]float64, 16),
		lyapunov.Options{StateTransient: 20, Q0: identity(16)})
	if err != nil {
		t.Fatal(err)
	}
	// The closed form in float64 over the same 280 steps.
	mean, d := make([]float64, 4), make([]float64, 4)
	for _, u := range in[20:] {
		s.Delta(d, u)
		for i := range d {
			mean[i] += d[i] / 280
		}
	}
	want := make([]float64, 0, 16)
	for i, a := range s.A {
		want = append(want, a*mean[i/4])
	}
	slices.SortFunc(want, func(a, b float64) int { return cmp.Compare(b, a) })
	for i, w := range want {
		if d := math.Abs(res.Exponents[i] - w); d > 1e-12 {
			t.Errorf("lambda_%d = %.15g, closed form %.15g", i, res.Exponents[i], w)
		}
	}
}

func TestBenettinMatchesExactSpectrumLikeOneOverT(t *testing.T) {
	// Tolerance: max_i |lambda_i(QR) - lambda_i(exact)| <= C/T for every T,
	// and err*T at T=4096 within a factor 2 of err*T at T=256 (the decay is
	// 1/T, neither faster nor slower). Observed err*T over T = 64..4096:
	// Mamba init 2.0..2.8; delta in [0.1, 1] 11.9..18.3 (k=16), 3.0..4.6 (k=4).
	cases := []struct {
		name         string
		dtMin, dtMax float64
		k            int
		c            float64
	}{
		{"mamba init delta, all 16", 0.001, 0.1, 16, 4},
		{"mamba init delta, leading 4", 0.001, 0.1, 4, 4},
		{"delta 0.1..1, all 16", 0.1, 1, 16, 25},
		{"delta 0.1..1, leading 4", 0.1, 1, 4, 8},
	}
	for _, c := range cases {
		s := testsys.NewSelective(4, 4, c.dtMin, c.dtMax, 21)
		errT := map[int]float64{}
		for _, T := range []int{64, 256, 1024, 4096} {
			in := testsys.Inputs(T, 4, 1, 22)
			res, err := lyapunov.Benettin(s, in, make([]float64, 16),
				lyapunov.Options{K: c.k, StateTransient: 8, QTransient: 8, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			exact, _ := lyapunov.ExactSpectrum(s.A32(), 4, 4, s.Deltas(in), T)
			errT[T] = maxAbsDiff(res.Exponents, sortedDesc(exact)[:c.k]) * float64(T)
			t.Logf("%s, T=%d: error*T = %.3g", c.name, T, errT[T])
			if errT[T] > c.c {
				t.Errorf("%s, T=%d: error*T = %.3g > %g", c.name, T, errT[T], c.c)
			}
		}
		if r := errT[4096] / errT[256]; r < 0.5 || r > 2 {
			t.Errorf("%s: error*T went from %.3g (T=256) to %.3g (T=4096): not 1/T", c.name, errT[256], errT[4096])
		}
	}
}

// The stacked recurrence of two layers has a block-triangular Jacobian, so its
// exponents are the union of the layers' closed forms (layer 2's along the
// layer-1 outputs). QR with finite-difference JVPs recovers the leading three
// within 8/T (observed 0.9/T..3.7/T); DNS recovers lambda_max within 2/T.
func TestBenettinStackedLayers(t *testing.T) {
	for _, dt := range [][2]float64{{0.001, 0.1}, {0.1, 1}} {
		st := &testsys.Stack{L1: testsys.NewSelective(4, 4, dt[0], dt[1], 31), L2: testsys.NewSelective(4, 4, dt[0], dt[1], 32)}
		for _, T := range []int{256, 1024, 4096} {
			in, x0 := testsys.Inputs(T, 4, 1, 33), make([]float64, 32)
			d1, d2 := st.Deltas(in, x0)
			l1, _ := lyapunov.ExactSpectrum(st.L1.A32(), 4, 4, d1, T)
			l2, _ := lyapunov.ExactSpectrum(st.L2.A32(), 4, 4, d2, T)
			exact := sortedDesc(append(l1, l2...))
			res, err := lyapunov.Benettin(lyapunov.FiniteDifference(st, 1e-6), in, x0,
				lyapunov.Options{K: 8, StateTransient: 8, QTransient: 8, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if e := maxAbsDiff(res.Exponents[:3], exact[:3]); e > 8/float64(T) {
				t.Errorf("delta %v, T=%d: leading exponents %.4f, exact %.4f: error %.2g > 8/T", dt, T, res.Exponents[:3], exact[:3], e)
			}
			dns, err := lyapunov.MaxExponentDNS(st, in, x0, lyapunov.DNSOptions{StateTransient: 8, Transient: 8, Direction: res.Q[:32]})
			if err != nil {
				t.Fatal(err)
			}
			if e := math.Abs(dns - exact[0]); e > 2/float64(T) {
				t.Errorf("delta %v, T=%d: DNS lambda_max %.5f, exact %.5f: error %.2g > 2/T", dt, T, dns, exact[0], e)
			}
		}
	}
}

func identity(n int) []float64 {
	q := make([]float64, n*n)
	for i := range n {
		q[i*n+i] = 1
	}
	return q
}

func sortedDesc(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	slices.SortFunc(out, func(a, b float64) int { return cmp.Compare(b, a) })
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
