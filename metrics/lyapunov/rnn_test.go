package lyapunov_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/internal/testsys"
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

// The tanh RNN control: spectral radius 2 is chaotic (lambda_max > 0), 0.5 is
// contracting (lambda_max < 0), and direct numerical simulation agrees with
// QR on lambda_max.
func TestBenettinTanhRNN(t *testing.T) {
	cases := []struct {
		rho      float64
		positive bool
	}{{2, true}, {0.5, false}}
	for _, c := range cases {
		rnn := testsys.NewTanhRNN(64, 4, c.rho, 0.5, 11)
		in := testsys.Inputs(1500, 4, 1, 12)
		x0 := make([]float64, 64)
		res, err := lyapunov.Benettin(rnn, in, x0, lyapunov.Options{K: 8, StateTransient: 100, QTransient: 150, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		l1 := res.Exponents[0]
		dns, err := lyapunov.MaxExponentDNS(rnn, in, x0, lyapunov.DNSOptions{StateTransient: 100, Transient: 150, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rho=%g: QR lambda_1..3 = %.4f %.4f %.4f, DNS lambda_max = %.4f", c.rho, l1, res.Exponents[1], res.Exponents[2], dns)
		if (l1 > 0) != c.positive {
			t.Errorf("rho=%g: lambda_max = %v, want positive=%v", c.rho, l1, c.positive)
		}
		if math.Abs(dns-l1) > 2e-3 {
			t.Errorf("rho=%g: DNS lambda_max = %v, QR = %v; differ by more than 2e-3", c.rho, dns, l1)
		}
	}
}

// The finite-difference JVP matches the analytic one.
func TestFiniteDifferenceJVP(t *testing.T) {
	rnn := testsys.NewTanhRNN(16, 3, 1.5, 1, 5)
	x := testsys.Inputs(1, 16, 0.5, 6)[0]
	u := testsys.Inputs(1, 3, 1, 7)[0]
	vs := testsys.Inputs(1, 48, 1, 8)[0] // 3 tangents
	want, got := make([]float64, 48), make([]float64, 48)
	rnn.JVP(want, x, u, vs)
	lyapunov.FiniteDifference(rnn, 1e-5).JVP(got, x, u, vs)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-8 {
			t.Fatalf("JVP[%d] = %v by differences, %v analytic", i, got[i], want[i])
		}
	}
}
