package testsys

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Selective is a Mamba-like selective SSM layer: mamba_ssm's
// selective_scan_ref without the projections, conv and gate. Input u (E),
// state x (E, N) row-major:
//
//	delta[d] = softplus(Wdt[d,:] u + Bdt[d]),  B = WB u,  C = WC u  (N each)
//	x'[d,n]  = exp(delta[d] A[d,n]) x[d,n] + delta[d] B[n] u[d]
//	y[d]     = sum_n C[n] x'[d,n] + D[d] u[d]
//
// delta, B and C depend on u only, so for fixed inputs the state Jacobian is
// diag(exp(delta A)), as in Mamba.
type Selective struct {
	E, N   int
	A      []float64 // (E, N), negative
	Wdt    []float64 // (E, E)
	Bdt    []float64 // (E)
	WB, WC []float64 // (N, E)
	D      []float64 // (E)

	delta, b, c, lastU []float64 // step quantities of the last input seen
}

// NewSelective draws a layer with mamba_ssm's initialisation where it has
// one: A[d,n] = -(n+1) (S4D-real), step sizes log-uniform in [dtMin, dtMax]
// through the inverse-softplus bias, D = 1; Wdt, WB, WC ~ N(0, 1/E).
func NewSelective(e, n int, dtMin, dtMax float64, seed uint64) *Selective {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &Selective{E: e, N: n, A: make([]float64, e*n), Bdt: make([]float64, e), D: make([]float64, e)}
	sd := 1 / math.Sqrt(float64(e))
	s.Wdt, s.WB, s.WC = gauss(rng, e*e, sd), gauss(rng, n*e, sd), gauss(rng, n*e, sd)
	for d := range e {
		for j := range n {
			s.A[d*n+j] = -float64(j + 1)
		}
		dt := math.Exp(rng.Float64()*(math.Log(dtMax)-math.Log(dtMin)) + math.Log(dtMin))
		s.Bdt[d] = dt + math.Log(-math.Expm1(-dt))
		s.D[d] = 1
	}
	return s
}

func (s *Selective) StateDim() int  { return s.E * s.N }
func (s *Selective) InputDim() int  { return s.E }
func (s *Selective) OutputDim() int { return s.E }

// Delta sets dst (E) to the step sizes for input u.
func (s *Selective) Delta(dst, u []float64) {
	gemv(dst, s.Wdt, s.E, s.E, u, 0)
	for d := range dst {
		z := dst[d] + s.Bdt[d]
		dst[d] = math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) // softplus
	}
}

// prepare computes delta, B and C for u, unless u equals the last input.
func (s *Selective) prepare(u []float64) {
	if s.lastU != nil && slices.Equal(u, s.lastU) {
		return
	}
	s.lastU = append(s.lastU[:0], u...)
	s.delta, s.b, s.c = grow(s.delta, s.E), grow(s.b, s.N), grow(s.c, s.N)
	s.Delta(s.delta, u)
	gemv(s.b, s.WB, s.N, s.E, u, 0)
	gemv(s.c, s.WC, s.N, s.E, u, 0)
}

func (s *Selective) Step(dst, x, u []float64) {
	s.prepare(u)
	for d := range s.E {
		dt := s.delta[d]
		for j := range s.N {
			i := d*s.N + j
			dst[i] = math.Exp(dt*s.A[i])*x[i] + dt*s.b[j]*u[d]
		}
	}
}

// JVP is diag(exp(delta A)) applied to each tangent.
func (s *Selective) JVP(dst, x, u, vs []float64) {
	s.prepare(u)
	n := s.E * s.N
	for j := 0; j < len(vs); j += n {
		for i := range n {
			dst[j+i] = math.Exp(s.delta[i/s.N]*s.A[i]) * vs[j+i]
		}
	}
}

func (s *Selective) Output(dst, x, u []float64) {
	s.prepare(u)
	for d := range s.E {
		y := s.D[d] * u[d]
		for j := range s.N {
			y += s.c[j] * x[d*s.N+j]
		}
		dst[d] = y
	}
}

// Deltas returns the (T, E) step sizes of an input sequence, as float32 (the
// layout lyapunov.ExactSpectrum takes).
func (s *Selective) Deltas(inputs [][]float64) []float32 {
	out := make([]float32, 0, len(inputs)*s.E)
	d := make([]float64, s.E)
	for _, u := range inputs {
		s.Delta(d, u)
		for _, v := range d {
			out = append(out, float32(v))
		}
	}
	return out
}

// A32 returns A as float32.
func (s *Selective) A32() []float32 {
	a := make([]float32, len(s.A))
	for i, v := range s.A {
		a[i] = float32(v)
	}
	return a
}
