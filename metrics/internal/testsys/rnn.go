package testsys

import (
	"math"
	"math/cmplx"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// TanhRNN is the vanilla RNN h' = tanh(W h + U u + b), the unstable control of
// the Lyapunov figures: W Gaussian, rescaled to a chosen spectral radius.
type TanhRNN struct {
	N, M int
	W    []float64 // (N, N)
	U    []float64 // (N, M)
	B    []float64 // (N)
	pre  []float64
}

// NewTanhRNN draws W with N(0, 1/n) entries and rescales it to spectral
// radius rho; U has N(0, inScale^2/m) entries and b = 0.
func NewTanhRNN(n, m int, rho, inScale float64, seed uint64) *TanhRNN {
	rng := rand.New(rand.NewPCG(seed, 1))
	r := &TanhRNN{N: n, M: m, W: gauss(rng, n*n, 1/math.Sqrt(float64(n))),
		U: gauss(rng, n*m, inScale/math.Sqrt(float64(m))), B: make([]float64, n)}
	scale := rho / SpectralRadius(r.W, n)
	for i := range r.W {
		r.W[i] *= scale
	}
	return r
}

func (r *TanhRNN) StateDim() int { return r.N }
func (r *TanhRNN) InputDim() int { return r.M }

func (r *TanhRNN) Step(dst, h, u []float64) {
	gemv(dst, r.W, r.N, r.N, h, 0)
	gemv(dst, r.U, r.N, r.M, u, 1)
	for i := range dst {
		dst[i] = math.Tanh(dst[i] + r.B[i])
	}
}

// JVP is diag(1 - h'^2) W v, with h' the step's output.
func (r *TanhRNN) JVP(dst, h, u, vs []float64) {
	r.pre = grow(r.pre, r.N)
	r.Step(r.pre, h, u)
	for j := 0; j < len(vs); j += r.N {
		out := dst[j : j+r.N]
		gemv(out, r.W, r.N, r.N, vs[j:j+r.N], 0)
		for i, hn := range r.pre {
			out[i] *= 1 - hn*hn
		}
	}
}

// SpectralRadius returns max |eig(a)| of a row-major n x n matrix.
func SpectralRadius(a []float64, n int) float64 {
	var e mat.Eigen
	if !e.Factorize(mat.NewDense(n, n, a), mat.EigenNone) {
		panic("testsys: eigendecomposition failed")
	}
	rho := 0.0
	for _, v := range e.Values(nil) {
		rho = math.Max(rho, cmplx.Abs(v))
	}
	return rho
}

func gauss(rng *rand.Rand, n int, sd float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = sd * rng.NormFloat64()
	}
	return x
}

// Inputs returns t Gaussian input vectors of m values with standard deviation sd.
func Inputs(t, m int, sd float64, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	u := make([][]float64, t)
	for i := range u {
		u[i] = gauss(rng, m, sd)
	}
	return u
}

func grow(b []float64, n int) []float64 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float64, n)
}
