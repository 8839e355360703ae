package paper

import (
	"context"
	"math"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/metrics/perturb"
	"gonum.org/v1/gonum/stat"
)

// pairOut is what pairRun records for each ε: state and output deviations
// (perturb.Series, indexed as perturb.Run indexes them: State[N] is the
// deviation of x_{at+N}, N = 0 the perturbation itself; Output[j] that of
// the output at position at+j), and when the conv shift register forgets.
type pairOut struct {
	state, output []perturb.Series
	// convFlush is the first N from which the conv coordinates' deviation
	// is exactly zero for the first ε (-1: never; 0: no conv state).
	convFlush int
	// stateScale and outputScale are the largest |x| and |y| of the
	// reference run over the window: float32 rounding noise is relative to
	// them.
	stateScale, outputScale float64
}

// perturbSeed seeds the sign patterns of every perturbation.
const perturbSeed = 0x1ee7

// perturbation is Theorem 1's perturbation of size eps at t0 = at: the
// state x_at and the input u_at moved by ±ε in every coordinate, random
// signs (seeded; one pattern for every ε), max|δ| = ε as in Theorem 1.
// Random signs are the pattern rounding makes; a constant shift (+ε
// everywhere) is removed exactly by a LayerNorm, which would hide a
// GPT-NeoX's response. With every, the input is moved by fresh random ±ε at
// every token from at on: rounding-like noise at every step, as mixed
// precision makes it.
func perturbation(eps float64, at int, every bool) perturb.Perturbation {
	return perturb.Perturbation{StateEps: eps, InputEps: eps, At: at, InputAll: every, Kind: perturb.RandomSign, Seed: perturbSeed}
}

// pairRun runs s from the zero state over inputs once as reference and
// once per ε (perturb.RunMulti32), perturbed at t0 = at only, or with every
// at every token from at on, and records when the conv shift register has
// forgotten the perturbation.
func pairRun(ctx context.Context, s stepper, inputs [][]float32, eps []float64, at int, every bool) (pairOut, error) {
	ps := make([]perturb.Perturbation, len(eps))
	for e, v := range eps {
		ps[e] = perturbation(v, at, every)
	}
	out := pairOut{convFlush: -1}
	mask := s.ConvMask()
	if mask == nil {
		out.convFlush = 0
	}
	observe := func(t int, ref []float32, pert [][]float32) {
		if mask == nil {
			return
		}
		if convZero(ref, pert[0], mask) {
			if out.convFlush < 0 {
				out.convFlush = t - at + 1
			}
		} else {
			out.convFlush = -1
		}
	}
	res, err := perturb.RunMulti32(ctx, s, inputs, make([]float32, s.StateDim()), ps, observe)
	out.state, out.output, out.stateScale, out.outputScale = res.State, res.Output, res.StateScale, res.OutputScale
	return out, err
}

func convZero(a, b []float32, mask []bool) bool {
	for i, c := range mask {
		if c && a[i] != b[i] {
			return false
		}
	}
	return true
}

// fitLaterHalf fits log d against N over the later half of the points
// before d first reaches floor: the asymptotic rate, once the faster modes
// have died out and before rounding noise.
func fitLaterHalf(d []float64, floor float64) float64 {
	to := 0
	for to < len(d) && d[to] > floor && !math.IsInf(d[to], 0) {
		to++
	}
	return fitRange(d, to/2, to)
}

// fitRange fits log d against N over [from, to) (perturb.FitRate's
// regression on a range chosen elsewhere).
func fitRange(d []float64, from, to int) float64 {
	if to > len(d) {
		to = len(d)
	}
	if to-from < 2 {
		return math.NaN()
	}
	f := perturb.FitRate(d[:to], perturb.FitOptions{From: from})
	if f.To < to {
		return math.NaN()
	}
	return f.Rate
}

// powerLaw fits log d[N] against log N for N = 1.. up to the first value
// at or below floor: the exponent of a deviation that decays like N^p.
func powerLaw(d []float64, floor float64) float64 {
	var xs, ys []float64
	for n := 1; n < len(d); n++ {
		if !(d[n] > floor) || math.IsInf(d[n], 0) {
			break
		}
		xs, ys = append(xs, math.Log(float64(n))), append(ys, math.Log(d[n]))
	}
	if len(xs) < 2 {
		return math.NaN()
	}
	_, slope := stat.LinearRegression(xs, ys, nil, false)
	return slope
}

// strided keeps every stride-th value of d and the last one.
func strided(d []float64, stride int) []float64 {
	var out []float64
	for i := 0; i < len(d); i += stride {
		out = append(out, d[i])
	}
	if (len(d)-1)%stride != 0 {
		out = append(out, d[len(d)-1])
	}
	return out
}

// stridedN is the N of each value strided keeps.
func stridedN(n, stride int) []int {
	var out []int
	for i := 0; i < n; i += stride {
		out = append(out, i)
	}
	if (n-1)%stride != 0 {
		out = append(out, n-1)
	}
	return out
}

func widen64(x [][]float32) [][]float64 {
	out := make([][]float64, len(x))
	for t, v := range x {
		out[t] = make([]float64, len(v))
		for i, f := range v {
			out[t][i] = float64(f)
		}
	}
	return out
}

// sortedDesc returns xs sorted in decreasing order (a copy).
func sortedDesc(xs []float64) []float64 { return lyapunov.Leading(xs, len(xs)) }
