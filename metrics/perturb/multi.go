package perturb

import (
	"context"
	"fmt"
	"math"
)

// Stepper32 is a float32 recurrence that also emits an output each step, as
// a model layer runs in fp32: StepOut writes x_t = F(x_{t-1}, u_t) to dst
// and the step's output to out.
type Stepper32 interface {
	StateDim() int
	InputDim() int
	OutputDim() int
	StepOut(dst, out, x, u []float32)
}

// Multi is what RunMulti32 records per perturbation: the state and output
// deviations (indexed as Run indexes them: State[N] is the deviation of
// x_{At+N}, N = 0 the perturbation itself; Output[j] that of the output at
// step At+j), and the reference run's largest |x| and |y| over the window,
// to which float32 rounding noise is relative.
type Multi struct {
	State, Output           []Series
	StateScale, OutputScale float64
}

// Observer is called after each step t >= At with the reference state and
// every perturbed state (in the order of the perturbations). It must not
// keep the slices.
type Observer func(t int, ref []float32, pert [][]float32)

// RunMulti32 is Run for a float32 stepper and several perturbations at
// once, with outputs: it runs s from x0 over inputs once as the reference
// and once per perturbation, side by side, so the reference is computed
// once. Every perturbation must share At; each draws its signs from its
// own stream (Seed), so perturbations that differ only in size share their
// pattern. With InputAll an input is perturbed at every step from At on
// (rounding-like noise at every token), else only at At. observe may be
// nil. It stops with ctx's error, checked every 256 steps.
func RunMulti32(ctx context.Context, s Stepper32, inputs [][]float32, x0 []float32, ps []Perturbation, observe Observer) (Multi, error) {
	n, m := s.StateDim(), s.InputDim()
	if len(ps) == 0 {
		return Multi{}, fmt.Errorf("perturb: no perturbation to run")
	}
	if len(x0) != n {
		return Multi{}, fmt.Errorf("perturb: initial state has %d values, the system's state has %d", len(x0), n)
	}
	for i, p := range ps {
		if err := p.check(len(inputs)); err != nil {
			return Multi{}, err
		}
		if p.At != ps[0].At {
			return Multi{}, fmt.Errorf("perturb: perturbation %d is at step %d, the first at %d; run them separately", i, p.At, ps[0].At)
		}
	}
	for t, u := range inputs {
		if len(u) != m {
			return Multi{}, fmt.Errorf("perturb: input %d has %d values, the system takes %d", t, len(u), m)
		}
	}
	at := ps[0].At
	x, xn := append([]float32(nil), x0...), make([]float32, n)
	out := make([]float32, s.OutputDim())
	for t := range at {
		s.StepOut(xn, out, x, inputs[t])
		x, xn = xn, x
	}
	res := Multi{State: make([]Series, len(ps)), Output: make([]Series, len(ps)), StateScale: maxAbs32(x)}
	sgs := make([]*signs, len(ps))
	ys := make([][]float32, len(ps))
	for e, p := range ps {
		sgs[e] = p.signs()
		ys[e] = make([]float32, n)
		sgs[e].addTo32(ys[e], x, p.StateEps)
		res.State[e].add32(x, ys[e])
	}
	ref, pert, ue := make([]float32, s.OutputDim()), make([]float32, s.OutputDim()), make([]float32, m)
	for t := at; t < len(inputs); t++ {
		if (t-at)%256 == 255 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		s.StepOut(xn, ref, x, inputs[t])
		x, xn = xn, x
		res.StateScale = math.Max(res.StateScale, maxAbs32(x))
		res.OutputScale = math.Max(res.OutputScale, maxAbs32(ref))
		for e, p := range ps {
			copy(ue, inputs[t])
			if t == at || p.InputAll {
				sgs[e].addTo32(ue, inputs[t], p.InputEps)
			}
			s.StepOut(xn, pert, ys[e], ue)
			ys[e], xn = xn, ys[e]
			res.State[e].add32(x, ys[e])
			res.Output[e].add32(ref, pert)
		}
		if observe != nil {
			observe(t, x, ys)
		}
	}
	return res, nil
}

// OutputDeviations is OutputDeviation for several perturbations of one
// input sequence, with one reference forward for all of them.
func OutputDeviations(m SequenceModel, inputs [][]float64, ps []Perturbation) ([]Series, error) {
	for _, p := range ps {
		if err := p.check(len(inputs)); err != nil {
			return nil, err
		}
		if p.StateEps != 0 {
			return nil, fmt.Errorf("perturb: a sequence model has no state to perturb (StateEps = %g); use InputEps", p.StateEps)
		}
	}
	for t, u := range inputs {
		if len(u) != m.InputDim() {
			return nil, fmt.Errorf("perturb: input %d has %d values, the model takes %d", t, len(u), m.InputDim())
		}
	}
	ref, out := outputs(m, len(inputs)), outputs(m, len(inputs))
	m.Outputs(ref, inputs)
	pert := make([][]float64, len(inputs))
	var res []Series
	for _, p := range ps {
		sg := p.signs()
		for t, u := range inputs {
			pert[t] = append(pert[t][:0], u...)
			if t == p.At || (p.InputAll && t > p.At) {
				sg.addTo(pert[t], u, p.InputEps)
			}
		}
		m.Outputs(out, pert)
		res = append(res, Deviations(ref[p.At:], out[p.At:]))
	}
	return res, nil
}

// addTo32 is addTo in float32: x + ε·sign, rounded to float32 as a float32
// model stores it.
func (s *signs) addTo32(dst, x []float32, eps float64) {
	e := float32(eps)
	for i, v := range x {
		d := e
		if s.kind == RandomSign && s.rng.IntN(2) == 0 {
			d = -e
		}
		dst[i] = v + d
	}
}

func (s *Series) add32(a, b []float32) {
	l2, mx := 0.0, 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		l2 += d * d
		mx = math.Max(mx, d)
	}
	s.L2 = append(s.L2, math.Sqrt(l2))
	s.Max = append(s.Max, mx)
}

func maxAbs32(x []float32) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// AccumulatedBound is Theorem 1 summed over a perturbation at every step:
// if one perturbation of size ε decays within C·ε·e^{Nζ}, perturbations of
// size ε at every step accumulate to at most C·ε·Σ_{j=0..N} e^{jζ} after N
// steps, which for ζ < 0 stays below C·ε/(1 − e^{ζ}) however long the
// sequence. It returns ε·Σ_{j=0..N} e^{jζ} for N = 0..n-1 (C = 1).
func AccumulatedBound(eps, zeta float64, n int) []float64 {
	out := make([]float64, n)
	sum := 0.0
	for j := range n {
		sum += math.Exp(float64(j) * zeta)
		out[j] = eps * sum
	}
	return out
}
