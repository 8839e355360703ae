package perturb_test

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/metrics/perturb"
)

// decay is the one-dimensional recurrence x' = 0.8 x + u: its Lyapunov
// exponent is zeta = log 0.8.
type decay struct{}

func (decay) StateDim() int            { return 1 }
func (decay) InputDim() int            { return 1 }
func (decay) Step(dst, x, u []float64) { dst[0] = 0.8*x[0] + u[0] }

func Example() {
	inputs := make([][]float64, 40)
	for t := range inputs {
		inputs[t] = []float64{math.Sin(float64(t))}
	}
	eps := perturb.FP16Roundoff
	g, err := perturb.Run(decay{}, inputs, []float64{0}, perturb.Theorem(eps, 0))
	if err != nil {
		panic(err)
	}
	zeta := math.Log(0.8)
	fit := perturb.FitRate(g.State.L2, perturb.FitOptions{From: 1})
	b := perturb.CheckBound(g.State.Max, eps, zeta, 0)
	fmt.Printf("fitted rate %.4f, zeta %.4f\n", fit.Rate, zeta)
	// After the first step (gain (0.8 + 1)/0.8) the deviation decays exactly
	// like the bound: C = 2.25, and only the N = 0 point tilts the excess fit.
	fmt.Printf("C = %.2f, excess rate %.4f, holds with C <= 3: %v\n", b.C, b.Excess.Rate, b.Holds(3, 0.01))
	// Output:
	// fitted rate -0.2231, zeta -0.2231
	// C = 2.25, excess rate 0.0028, holds with C <= 3: true
}

func ExampleFitRate() {
	dev := []float64{1, 0.5, 0.25, 0.125, 0, 0} // halving, then underflow
	f := perturb.FitRate(dev, perturb.FitOptions{})
	fmt.Printf("rate %.4f (log 0.5 = %.4f) from %d points\n", f.Rate, math.Log(0.5), f.Points())
	// Output:
	// rate -0.6931 (log 0.5 = -0.6931) from 4 points
}
