package lyapunov

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// Options configures Benettin. The zero value asks for the full spectrum,
// re-orthonormalising every step, with no transients and a seed-0 random
// start.
type Options struct {
	K              int       // exponents to compute, 1..StateDim; 0 means StateDim
	ONS            int       // steps between re-orthonormalisations (t_ONS); 0 means 1
	StateTransient int       // steps the state runs before the tangents start
	QTransient     int       // tangent steps whose growth is discarded while Q aligns
	Seed           uint64    // seed of the random orthonormal start (when Q0 is nil)
	Q0             []float64 // optional start: K vectors of StateDim values back to back
	Local          bool      // keep local exponents and q1's participation ratio
}

// Result holds the Lyapunov exponents of Benettin.
type Result struct {
	Exponents []float64 // K exponents per step, sorted in decreasing order; -Inf for an annihilated direction
	Steps     int       // steps averaged over: T - StateTransient - QTransient
	Q         []float64 // final orthonormal tangents, K vectors back to back; q1 (first) follows the largest exponent

	// With Options.Local, one entry per re-orthonormalisation after the Q
	// transient: log|R_jj| / (steps since the previous one), in Q's column
	// order, and 1/sum_i q1[i]^4, q1's participation ratio (1 = one
	// coordinate, StateDim = spread evenly).
	Local         [][]float64
	Participation []float64
}

// Benettin computes the k leading Lyapunov exponents of sys driven by inputs
// from x0, by the QR method (Benettin et al.; docs/metrics.md, after
// Engelken, Wolf and Abbott 2020): evolve an orthonormal n x k matrix Q with
// the step Jacobians, Q <- J_t Q, re-orthonormalise every ONS steps by QR and
// accumulate log|R_jj|; lambda_j = sum log|R_jj| / Steps. The first
// StateTransient steps move the state only; the growth of the next QTransient
// tangent steps is discarded while Q turns towards the leading directions.
//
// The result is exact for a time-varying diagonal map started on coordinate
// axes; in general it converges as the number of averaged steps grows, with an
// O(1/Steps) error from Q's starting orientation once Q has aligned. Large
// ONS risks overflow in expanding systems.
func Benettin(sys Differentiable, inputs [][]float64, x0 []float64, opt Options) (Result, error) {
	n := sys.StateDim()
	k, ons, err := checkBenettin(sys, inputs, x0, &opt)
	if err != nil {
		return Result{}, err
	}
	x, next := slices.Clone(x0), make([]float64, n)
	for t := range opt.StateTransient {
		sys.Step(next, x, inputs[t])
		x, next = next, x
	}
	q, err := startQ(n, k, opt)
	if err != nil {
		return Result{}, err
	}
	tan, logR, sum := make([]float64, n*k), make([]float64, k), make([]float64, k)
	res := Result{Steps: len(inputs) - opt.StateTransient - opt.QTransient}
	since := 0
	for t := opt.StateTransient; t < len(inputs); t++ {
		sys.JVP(tan, x, inputs[t], q)
		sys.Step(next, x, inputs[t])
		x, next, q, tan = next, x, tan, q
		since++
		done := t - opt.StateTransient + 1 // tangent steps taken
		if since < ons && done != opt.QTransient && t != len(inputs)-1 {
			continue
		}
		orthonormalize(q, n, logR)
		if done > opt.QTransient {
			floats.Add(sum, logR)
			res.recordLocal(opt.Local, logR, since, q[:n])
		}
		since = 0
	}
	res.Exponents = sum
	floats.Scale(1/float64(res.Steps), res.Exponents)
	slices.SortFunc(res.Exponents, func(a, b float64) int { return cmp.Compare(b, a) }) // NaN last
	res.Q = q
	return res, nil
}

func (r *Result) recordLocal(keep bool, logR []float64, steps int, q1 []float64) {
	if !keep {
		return
	}
	l := slices.Clone(logR)
	floats.Scale(1/float64(steps), l)
	r.Local = append(r.Local, l)
	s := 0.0
	for _, v := range q1 {
		s += v * v * v * v
	}
	r.Participation = append(r.Participation, 1/s)
}

func checkBenettin(sys System, inputs [][]float64, x0 []float64, opt *Options) (k, ons int, err error) {
	n := sys.StateDim()
	k, ons = opt.K, opt.ONS
	if k == 0 {
		k = n
	}
	if ons == 0 {
		ons = 1
	}
	switch {
	case k < 1 || k > n:
		return 0, 0, fmt.Errorf("lyapunov: K = %d exponents asked of a %d-dimensional state; use 1..%d", k, n, n)
	case ons < 1 || opt.StateTransient < 0 || opt.QTransient < 0:
		return 0, 0, fmt.Errorf("lyapunov: ONS (%d) must be >= 1 and transients (%d, %d) >= 0", ons, opt.StateTransient, opt.QTransient)
	case len(inputs)-opt.StateTransient-opt.QTransient < 1:
		return 0, 0, fmt.Errorf("lyapunov: %d inputs leave no step after the transients (%d state + %d Q); lengthen the sequence or shorten the transients", len(inputs), opt.StateTransient, opt.QTransient)
	}
	return k, ons, checkRun(sys, inputs, x0)
}

// checkRun checks the state and input sizes against the system.
func checkRun(sys System, inputs [][]float64, x0 []float64) error {
	if len(x0) != sys.StateDim() {
		return fmt.Errorf("lyapunov: initial state has %d values, the system's state has %d", len(x0), sys.StateDim())
	}
	for t, u := range inputs {
		if len(u) != sys.InputDim() {
			return fmt.Errorf("lyapunov: input %d has %d values, the system takes %d", t, len(u), sys.InputDim())
		}
	}
	return nil
}

// startQ returns Options.Q0 orthonormalised, or a random orthonormal n x k
// matrix (Gaussian entries, then QR), deterministic in Options.Seed.
func startQ(n, k int, opt Options) ([]float64, error) {
	var q []float64
	if opt.Q0 != nil {
		if len(opt.Q0) != n*k {
			return nil, fmt.Errorf("lyapunov: Q0 has %d values, want K*StateDim = %d*%d", len(opt.Q0), k, n)
		}
		q = slices.Clone(opt.Q0)
	} else {
		rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
		q = make([]float64, n*k)
		for i := range q {
			q[i] = rng.NormFloat64()
		}
	}
	logR := make([]float64, k)
	orthonormalize(q, n, logR)
	for j, l := range logR {
		if math.IsInf(l, -1) {
			return nil, fmt.Errorf("lyapunov: starting tangent %d is linearly dependent on the ones before it", j)
		}
	}
	return q, nil
}
