package lyapunov

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// DNSOptions configures MaxExponentDNS. Zero values mean Eps 1e-6, ONS 1, no
// transients and a seed-0 random direction.
type DNSOptions struct {
	Eps            float64   // size of the perturbation, restored at each renormalisation
	ONS            int       // steps between renormalisations
	StateTransient int       // steps the reference runs before the perturbation
	Transient      int       // perturbed steps whose growth is discarded
	Direction      []float64 // initial direction, e.g. Result.Q[:StateDim] (q1); random when nil
	Seed           uint64
}

// MaxExponentDNS estimates the largest Lyapunov exponent by direct numerical
// simulation, the check of docs/metrics.md: run a second trajectory
// perturbed by Eps along a direction, renormalise the separation to Eps every
// ONS steps and average log(|delta|/Eps) per step. It needs only Step, so it
// checks Benettin's Jacobians as well as its algebra. Eps must be large
// compared with the rounding of the state: for Widen-ed float32 systems use
// 1e-3 or so rather than 1e-6. A separation that becomes exactly zero gives
// -Inf.
func MaxExponentDNS(sys System, inputs [][]float64, x0 []float64, opt DNSOptions) (float64, error) {
	eps, ons := opt.Eps, opt.ONS
	if eps == 0 {
		eps = 1e-6
	}
	if ons == 0 {
		ons = 1
	}
	if err := checkDNS(sys, inputs, x0, opt, eps, ons); err != nil {
		return 0, err
	}
	n := sys.StateDim()
	x, y, next := slices.Clone(x0), make([]float64, n), make([]float64, n)
	for t := range opt.StateTransient {
		sys.Step(next, x, inputs[t])
		x, next = next, x
	}
	dir := dnsDirection(n, opt)
	floats.AddScaledTo(y, x, eps/floats.Norm(dir, 2), dir)
	sum, since := 0.0, 0
	for t := opt.StateTransient; t < len(inputs); t++ {
		sys.Step(next, x, inputs[t])
		x, next = next, x
		sys.Step(next, y, inputs[t])
		y, next = next, y
		since++
		done := t - opt.StateTransient + 1
		if since < ons && done != opt.Transient && t != len(inputs)-1 {
			continue
		}
		floats.Sub(y, x) // y now holds the separation
		d := floats.Norm(y, 2)
		if done > opt.Transient {
			sum += math.Log(d / eps)
		}
		if d == 0 {
			return math.Inf(-1), nil
		}
		floats.Scale(eps/d, y)
		floats.Add(y, x)
		since = 0
	}
	return sum / float64(len(inputs)-opt.StateTransient-opt.Transient), nil
}

func dnsDirection(n int, opt DNSOptions) []float64 {
	if opt.Direction != nil {
		return opt.Direction
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	dir := make([]float64, n)
	for i := range dir {
		dir[i] = rng.NormFloat64()
	}
	return dir
}

func checkDNS(sys System, inputs [][]float64, x0 []float64, opt DNSOptions, eps float64, ons int) error {
	switch {
	case !(eps > 0) || math.IsInf(eps, 1):
		return fmt.Errorf("lyapunov: DNS perturbation size %v must be positive and finite", eps)
	case ons < 1 || opt.StateTransient < 0 || opt.Transient < 0:
		return fmt.Errorf("lyapunov: ONS (%d) must be >= 1 and transients (%d, %d) >= 0", ons, opt.StateTransient, opt.Transient)
	case len(inputs)-opt.StateTransient-opt.Transient < 1:
		return fmt.Errorf("lyapunov: %d inputs leave no step after the transients (%d + %d)", len(inputs), opt.StateTransient, opt.Transient)
	case opt.Direction != nil && len(opt.Direction) != sys.StateDim():
		return fmt.Errorf("lyapunov: DNS direction has %d values, the state has %d", len(opt.Direction), sys.StateDim())
	case opt.Direction != nil && floats.Norm(opt.Direction, 2) == 0:
		return fmt.Errorf("lyapunov: DNS direction is zero")
	}
	return checkRun(sys, inputs, x0)
}
