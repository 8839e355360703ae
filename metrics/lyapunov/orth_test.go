package lyapunov

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func TestOrthonormalizeMatchesGonumQR(t *testing.T) {
	cases := []struct{ n, k int }{{1, 1}, {5, 3}, {40, 8}, {6, 6}}
	for _, c := range cases {
		rng := rand.New(rand.NewPCG(uint64(c.n), uint64(c.k)))
		q := make([]float64, c.n*c.k) // k columns back to back
		m := mat.NewDense(c.n, c.k, nil)
		for j := range c.k {
			for i := range c.n {
				q[j*c.n+i] = rng.NormFloat64()
				m.Set(i, j, q[j*c.n+i])
			}
		}
		logR := make([]float64, c.k)
		orthonormalize(q, c.n, logR)
		var qr mat.QR
		qr.Factorize(m)
		var r mat.Dense
		qr.RTo(&r)
		for j := range c.k {
			if want := math.Log(math.Abs(r.At(j, j))); math.Abs(logR[j]-want) > 1e-12 {
				t.Errorf("n=%d k=%d: log|R_%d%d| = %v, gonum %v", c.n, c.k, j, j, logR[j], want)
			}
			for i := range c.k {
				d := floats.Dot(q[i*c.n:(i+1)*c.n], q[j*c.n:(j+1)*c.n])
				if want := b2f(i == j); math.Abs(d-want) > 1e-13 {
					t.Errorf("n=%d k=%d: q%d.q%d = %v", c.n, c.k, i, j, d)
				}
			}
		}
	}
}

func TestOrthonormalizeDependentColumn(t *testing.T) {
	q := []float64{1, 0, 0, 2, 0, 0, 0, 0, 3} // columns e1, 2 e1, 3 e3
	logR := make([]float64, 3)
	orthonormalize(q, 3, logR)
	if !math.IsInf(logR[1], -1) || logR[0] != 0 || math.Abs(logR[2]-math.Log(3)) > 1e-15 {
		t.Errorf("log|R_jj| = %v, want [0 -Inf log 3]", logR)
	}
	if !floats.Equal(q[3:6], []float64{0, 0, 0}) {
		t.Errorf("dependent column = %v, want zeros", q[3:6])
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
