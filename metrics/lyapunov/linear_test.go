package lyapunov_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/ssmlab/ssmlab/metrics/internal/testsys"
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

// Linear maps with known eigenvalues: the exponents are log|eig|, a complex
// pair contributing its modulus twice.
func linearCases() []struct {
	name string
	n    int
	mat  []float64
	want []float64 // sorted decreasing
	tol  func(steps float64) float64
} {
	d := []float64{1.5, 0.5, -0.9, 0.1}
	rot := blockDiag(testsys.RotScale(1.1, 0.7), []float64{0.8}, testsys.RotScale(0.5, 2.0))
	s, sInv := wellConditioned(5, 7)
	l := math.Log
	return []struct {
		name string
		n    int
		mat  []float64
		want []float64
		tol  func(steps float64) float64
	}{
		// Normal maps: Q's columns split the invariant subspaces after the
		// Q transient, so every later R is exact: rounding only.
		{"diagonal", 4, diag(d), []float64{l(1.5), l(0.9), l(0.5), l(0.1)}, exact},
		{"rotation-scaling blocks", 5, rot, []float64{l(1.1), l(1.1), l(0.8), l(0.5), l(0.5)}, exact},
		// Non-normal: a bounded orientation term, O(1/steps); observed
		// error*steps 0.11..0.74 over T = 250..8000.
		{"non-normal S D S^-1", 5, testsys.Conjugate(s, rot, sInv, 5),
			[]float64{l(1.1), l(1.1), l(0.8), l(0.5), l(0.5)}, func(s float64) float64 { return 1 / s }},
		// Jordan block: growth t*0.9^t, so the error is O(log(steps)/steps);
		// observed error*steps/log(steps) 0.31..0.57.
		{"Jordan block", 2, []float64{0.9, 5, 0, 0.9}, []float64{l(0.9), l(0.9)},
			func(s float64) float64 { return math.Log(s) / s }},
	}
}

func exact(float64) float64 { return 1e-12 }

func TestBenettinLinearMaps(t *testing.T) {
	for _, c := range linearCases() {
		for _, T := range []int{250, 1000, 4000} {
			sys := &testsys.Linear{N: c.n, M: 1, Mat: c.mat, Bin: make([]float64, c.n)}
			res, err := lyapunov.Benettin(sys, testsys.Inputs(T, 1, 1, 1), make([]float64, c.n),
				lyapunov.Options{QTransient: 50, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			tol := c.tol(float64(res.Steps))
			for i, w := range c.want {
				if math.Abs(res.Exponents[i]-w) > tol {
					t.Errorf("%s, T=%d: lambda_%d = %v, want %v (tol %.2g)", c.name, T, i, res.Exponents[i], w, tol)
				}
			}
		}
	}
}

// Asking for the k leading exponents gives the top of the full spectrum.
func TestBenettinLeadingK(t *testing.T) {
	sys := &testsys.Linear{N: 4, M: 1, Mat: diag([]float64{0.3, -1.2, 0.7, 0.05}), Bin: make([]float64, 4)}
	res, err := lyapunov.Benettin(sys, testsys.Inputs(400, 1, 1, 1), make([]float64, 4),
		lyapunov.Options{K: 2, ONS: 5, QTransient: 100, Seed: 9, Local: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Log(1.2), math.Log(0.7)}
	for i, w := range want {
		if math.Abs(res.Exponents[i]-w) > 1e-12 {
			t.Errorf("lambda_%d = %v, want %v", i, res.Exponents[i], w)
		}
	}
	if len(res.Local) != 60 || len(res.Participation) != 60 || res.Steps != 300 {
		t.Errorf("%d local rows, %d participation ratios, %d steps; want 60, 60, 300", len(res.Local), len(res.Participation), res.Steps)
	}
	if pr := res.Participation[59]; math.Abs(pr-1) > 1e-9 {
		t.Errorf("q1 participation ratio = %v, want 1 (aligned with one axis)", pr)
	}
}

func diag(d []float64) []float64 {
	n := len(d)
	m := make([]float64, n*n)
	for i, v := range d {
		m[i*n+i] = v
	}
	return m
}

func blockDiag(blocks ...[]float64) []float64 {
	n := 0
	for _, b := range blocks {
		n += int(math.Sqrt(float64(len(b))))
	}
	m, off := make([]float64, n*n), 0
	for _, b := range blocks {
		k := int(math.Sqrt(float64(len(b))))
		for i := range k {
			copy(m[(off+i)*n+off:], b[i*k:(i+1)*k])
		}
		off += k
	}
	return m
}

// wellConditioned returns S = I + 0.3 G (G Gaussian) and its inverse.
func wellConditioned(n int, seed uint64) (s, sInv []float64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	s = make([]float64, n*n)
	for i := range s {
		s[i] = 0.3 * rng.NormFloat64()
	}
	for i := range n {
		s[i*n+i]++
	}
	var inv mat.Dense
	if err := inv.Inverse(mat.NewDense(n, n, slices.Clone(s))); err != nil {
		panic(err)
	}
	return s, inv.RawMatrix().Data
}
