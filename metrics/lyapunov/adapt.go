package lyapunov

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Widen adapts a float32 system to System. The result also implements
// Differentiable when s implements Differentiable32 and Observed when s
// implements Observed32. Values are converted at the boundary: the system
// computes exactly as it does in float32, and the metrics keep their own
// bookkeeping in float64. The adapter reuses scratch buffers, so it is not
// safe for concurrent use.
func Widen(s System32) System {
	w := &wide{s: s}
	j, isJ := s.(Differentiable32)
	o, isO := s.(Observed32)
	switch {
	case isJ && isO:
		return wideJO{w, j, o}
	case isJ:
		return wideJ{w, j}
	case isO:
		return wideO{w, o}
	}
	return w
}

type wide struct {
	s          System32
	x, u, d, v []float32
}

func (w *wide) StateDim() int { return w.s.StateDim() }
func (w *wide) InputDim() int { return w.s.InputDim() }

func (w *wide) Step(dst, x, u []float64) {
	w.x, w.u = narrow(w.x, x), narrow(w.u, u)
	w.d = grow32(w.d, len(dst))
	w.s.Step(w.d, w.x, w.u)
	widen(dst, w.d)
}

func (w *wide) jvp(j Differentiable32, dst, x, u, vs []float64) {
	w.x, w.u, w.v = narrow(w.x, x), narrow(w.u, u), narrow(w.v, vs)
	w.d = grow32(w.d, len(dst))
	j.JVP(w.d, w.x, w.u, w.v)
	widen(dst, w.d)
}

func (w *wide) output(o Observed32, dst, x, u []float64) {
	w.x, w.u = narrow(w.x, x), narrow(w.u, u)
	w.d = grow32(w.d, len(dst))
	o.Output(w.d, w.x, w.u)
	widen(dst, w.d)
}

type wideJ struct {
	*wide
	j Differentiable32
}

func (w wideJ) JVP(dst, x, u, vs []float64) { w.jvp(w.j, dst, x, u, vs) }

type wideO struct {
	*wide
	o Observed32
}

func (w wideO) OutputDim() int             { return w.o.OutputDim() }
func (w wideO) Output(dst, x, u []float64) { w.output(w.o, dst, x, u) }

type wideJO struct {
	*wide
	j Differentiable32
	o Observed32
}

func (w wideJO) JVP(dst, x, u, vs []float64) { w.jvp(w.j, dst, x, u, vs) }
func (w wideJO) OutputDim() int              { return w.o.OutputDim() }
func (w wideJO) Output(dst, x, u []float64)  { w.output(w.o, dst, x, u) }

func grow32(b []float32, n int) []float32 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float32, n)
}

func narrow(b []float32, x []float64) []float32 {
	b = grow32(b, len(x))
	for i, v := range x {
		b[i] = float32(v)
	}
	return b
}

func widen(dst []float64, x []float32) {
	for i, v := range x {
		dst[i] = float64(v)
	}
}

// FiniteDifference gives a System a Jacobian-vector product by central
// differences: J v ~ (F(x + s v, u) - F(x - s v, u)) / (2 s) with s = h/|v|,
// so each probe moves the state by h. The error is O(h^2) for a smooth map
// and exact (up to rounding) for a map linear in x. Rounding adds about
// eps_machine*|F| / h: h = 1e-6 suits float64 systems, 1e-3 to 1e-2 suits
// Widen-ed float32 ones. Not safe for concurrent use.
func FiniteDifference(sys System, h float64) Differentiable {
	if !(h > 0) || math.IsInf(h, 1) {
		panic(fmt.Sprintf("lyapunov.FiniteDifference: step h = %v must be positive and finite", h))
	}
	return &fd{System: sys, h: h}
}

type fd struct {
	System
	h            float64
	xp, xm, p, m []float64
}

func (f *fd) JVP(dst, x, u, vs []float64) {
	n := len(x)
	f.xp, f.xm = grow64(f.xp, n), grow64(f.xm, n)
	f.p, f.m = grow64(f.p, n), grow64(f.m, n)
	for j := 0; j+n <= len(vs); j += n {
		v, out := vs[j:j+n], dst[j:j+n]
		nv := floats.Norm(v, 2)
		if nv == 0 {
			clear(out)
			continue
		}
		s := f.h / nv
		floats.AddScaledTo(f.xp, x, s, v)
		floats.AddScaledTo(f.xm, x, -s, v)
		f.Step(f.p, f.xp, u)
		f.Step(f.m, f.xm, u)
		floats.SubTo(out, f.p, f.m)
		floats.Scale(1/(2*s), out)
	}
}

func grow64(b []float64, n int) []float64 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float64, n)
}
