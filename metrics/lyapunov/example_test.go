package lyapunov_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

func ExampleExactSpectrum() {
	// One Mamba layer with E=2 channels and N=2 states, over T=3 steps.
	a := []float32{-1, -2, -0.5, -4}                 // A (E, N)
	delta := []float32{0.1, 0.2, 0.3, 0.2, 0.2, 0.5} // delta (T, E)
	lambda, zeta := lyapunov.ExactSpectrum(a, 2, 2, delta, 3)
	fmt.Printf("lambda = %.2f\nzeta = %.2f\n", lambda, zeta)
	// Output:
	// lambda = [-0.20 -0.40 -0.15 -1.20]
	// zeta = -0.15
}

// scaler is x' = a*x + u, a diagonal linear recurrence: its exponents are
// log|a_i|.
type scaler struct{ a []float64 }

func (s scaler) StateDim() int { return len(s.a) }
func (s scaler) InputDim() int { return len(s.a) }
func (s scaler) Step(dst, x, u []float64) {
	for i := range dst {
		dst[i] = s.a[i]*x[i] + u[i]
	}
}
func (s scaler) JVP(dst, x, u, vs []float64) {
	for i := range vs {
		dst[i] = s.a[i%len(s.a)] * vs[i]
	}
}

func ExampleBenettin() {
	sys := scaler{a: []float64{0.5, 2, -0.25}}
	inputs := make([][]float64, 200)
	for t := range inputs {
		inputs[t] = []float64{0, 0, 0}
	}
	res, err := lyapunov.Benettin(sys, inputs, []float64{1, 1, 1},
		lyapunov.Options{K: 2, ONS: 10, QTransient: 50})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f over %d steps (log 2 = 0.6931, log 0.5 = -0.6931)\n", res.Exponents, res.Steps)
	// Output:
	// [0.6931 -0.6931] over 150 steps (log 2 = 0.6931, log 0.5 = -0.6931)
}

func ExampleMaxExponentDNS() {
	sys := scaler{a: []float64{0.5, 0.8}}
	inputs := make([][]float64, 100)
	for t := range inputs {
		inputs[t] = []float64{1, 1}
	}
	l, err := lyapunov.MaxExponentDNS(sys, inputs, []float64{0, 0}, lyapunov.DNSOptions{Transient: 50})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f (log 0.8 = -0.2231)\n", l)
	// Output:
	// -0.2231 (log 0.8 = -0.2231)
}

func ExampleScalarSpectrum() {
	// two steps of one head with A = −2: λ = −2 · mean(0.1, 0.3)
	lambda, maxes := lyapunov.ScalarSpectrum([]float32{0.1, 0.3}, []float32{-2}, 1, 2, 1)
	fmt.Printf("%.2f %.2f\n", lambda[0], maxes[0])
	// Output: -0.40 -0.40
}
