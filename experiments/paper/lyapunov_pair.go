package paper

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"

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

// signs returns n random signs ±1 (seeded): the pattern of a perturbation
// of size ε in every coordinate, max|δ| = ε as in Theorem 1. Random signs
// are the pattern rounding makes; a constant shift (+ε everywhere) is
// removed exactly by a LayerNorm, which would hide a GPT-NeoX's response.
func signs(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
		if r.IntN(2) == 0 {
			s[i] = -1
		}
	}
	return s
}

// pairRun is perturb.Run with outputs for steppers (Theorem 1's
// perturbation of state and input at t0 = at): it runs s from the zero
// state over inputs once as reference and once per ε with the state x_at
// and the input u_at both moved by ±ε in every coordinate (one sign
// pattern for all ε), all trajectories side by side, so the reference is
// computed once.
func pairRun(ctx context.Context, s stepper, inputs [][]float32, eps []float64, at int) (pairOut, error) {
	n, T := s.StateDim(), len(inputs)
	x, xn := make([]float32, n), make([]float32, n)
	for t := range at {
		s.Step(xn, x, inputs[t])
		x, xn = xn, x
	}
	rng := rand.New(rand.NewPCG(perturbSeed, 0x5eed))
	sx, su := signs(rng, n), signs(rng, s.InputDim())
	ys, yn := make([][]float32, len(eps)), make([]float32, n)
	for e, v := range eps {
		ys[e] = make([]float32, n)
		for i := range x {
			ys[e][i] = x[i] + float32(v)*sx[i]
		}
	}
	out := pairOut{state: make([]perturb.Series, len(eps)), output: make([]perturb.Series, len(eps)), convFlush: -1}
	out.stateScale = maxAbs(x)
	mask := s.ConvMask()
	if mask == nil {
		out.convFlush = 0
	}
	for e := range eps {
		addDev(&out.state[e], x, ys[e])
	}
	ref, pert, ue := make([]float32, s.OutputDim()), make([]float32, s.OutputDim()), make([]float32, s.InputDim())
	for t := at; t < T; t++ {
		if (t-at)%256 == 255 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
		s.StepOut(xn, ref, x, inputs[t])
		x, xn = xn, x
		out.stateScale = math.Max(out.stateScale, maxAbs(x))
		out.outputScale = math.Max(out.outputScale, maxAbs(ref))
		for e, v := range eps {
			copy(ue, inputs[t])
			if t == at {
				for i := range ue {
					ue[i] += float32(v) * su[i]
				}
			}
			s.StepOut(yn, pert, ys[e], ue)
			ys[e], yn = yn, ys[e]
			addDev(&out.state[e], x, ys[e])
			addDev(&out.output[e], ref, pert)
			if e == 0 && mask != nil {
				if convZero(x, ys[0], mask) {
					if out.convFlush < 0 {
						out.convFlush = t - at + 1
					}
				} else {
					out.convFlush = -1
				}
			}
		}
	}
	return out, nil
}

func addDev(s *perturb.Series, a, b []float32) {
	l2, mx := 0.0, 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		l2 += d * d
		mx = math.Max(mx, d)
	}
	s.L2 = append(s.L2, math.Sqrt(l2))
	s.Max = append(s.Max, mx)
}

func maxAbs(x []float32) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
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

func sortedDesc(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	return s
}
