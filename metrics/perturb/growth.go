package perturb

import (
	"fmt"
	"math"
	"slices"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
)

// Series is a deviation between two runs, one value per step.
type Series struct {
	L2  []float64 // Euclidean norm of the difference
	Max []float64 // largest absolute coordinate difference: Theorem 1's max|.|
}

// Growth is what Run records.
type Growth struct {
	// State.L2[N], State.Max[N]: deviation of x_{At+N}, N = 0..T-At; N = 0 is
	// the perturbation itself, N is Theorem 1's number of iterations.
	State Series
	// Output: deviation of y_{At+j}, the output of input position At+j,
	// j = 0..T-At-1 (it reads x_{At+j+1}); empty unless sys is Observed.
	Output Series
}

// Run runs sys over inputs from x0 twice, as reference and perturbed by p,
// and records the deviations. Both runs use the system's own arithmetic, so
// for a float32 model the deviations include its rounding: a deviation that
// reaches that rounding level stops carrying information (see Fit's Floor).
func Run(sys lyapunov.System, inputs [][]float64, x0 []float64, p Perturbation) (Growth, error) {
	if err := checkRun(sys, inputs, x0, p); err != nil {
		return Growth{}, err
	}
	n := sys.StateDim()
	x, next := slices.Clone(x0), make([]float64, n)
	for t := range p.At {
		sys.Step(next, x, inputs[t])
		x, next = next, x
	}
	sg := p.signs()
	y, u := make([]float64, n), make([]float64, sys.InputDim())
	sg.addTo(y, x, p.StateEps)
	obs, isObs := sys.(lyapunov.Observed)
	var yx, yy []float64
	if isObs {
		yx, yy = make([]float64, obs.OutputDim()), make([]float64, obs.OutputDim())
	}
	var g Growth
	g.State.add(x, y)
	for t := p.At; t < len(inputs); t++ {
		copy(u, inputs[t])
		if t == p.At || p.InputAll {
			sg.addTo(u, inputs[t], p.InputEps)
		}
		sys.Step(next, x, inputs[t])
		x, next = next, x
		sys.Step(next, y, u)
		y, next = next, y
		g.State.add(x, y)
		if isObs {
			obs.Output(yx, x, inputs[t])
			obs.Output(yy, y, u)
			g.Output.add(yx, yy)
		}
	}
	return g, nil
}

// Deviations compares two recorded trajectories (or output sequences) step by
// step. It panics if their shapes differ.
func Deviations(ref, pert [][]float64) Series {
	if len(ref) != len(pert) {
		panic(fmt.Sprintf("perturb.Deviations: %d reference steps, %d perturbed", len(ref), len(pert)))
	}
	var s Series
	for t := range ref {
		if len(ref[t]) != len(pert[t]) {
			panic(fmt.Sprintf("perturb.Deviations: step %d has %d and %d values", t, len(ref[t]), len(pert[t])))
		}
		s.add(ref[t], pert[t])
	}
	return s
}

func (s *Series) add(a, b []float64) {
	l2, mx := 0.0, 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		l2 += d * d
		mx = math.Max(mx, d)
	}
	s.L2 = append(s.L2, math.Sqrt(l2))
	s.Max = append(s.Max, mx)
}

func checkRun(sys lyapunov.System, inputs [][]float64, x0 []float64, p Perturbation) error {
	if err := p.check(len(inputs)); err != nil {
		return err
	}
	if len(x0) != sys.StateDim() {
		return fmt.Errorf("perturb: initial state has %d values, the system's state has %d", len(x0), sys.StateDim())
	}
	for t, u := range inputs {
		if len(u) != sys.InputDim() {
			return fmt.Errorf("perturb: input %d has %d values, the system takes %d", t, len(u), sys.InputDim())
		}
	}
	return nil
}
