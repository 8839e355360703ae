package nn

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// elementGrain is the slice length from which the elementwise activations
// split over GOMAXPROCS (each element is computed alone, so the split does
// not change a bit).
const elementGrain = 1 << 15

// SiLU writes y = x·σ(x) = x/(1 + e⁻ˣ) (kern.SiLU: float32, vectorised
// where the CPU allows; its Go version, the definition, uses float64 exp).
func SiLU(y, x []float32) {
	tensor.Parallel(len(x), elementGrain, func(lo, hi int) { kern.SiLU(y[lo:hi], x[lo:hi]) })
}

// SiLUBackward writes dx = dy·σ(x)·(1 + x·(1 − σ(x))) (kern.SiLUBackward).
func SiLUBackward(dx, dy, x []float32) {
	tensor.Parallel(len(x), elementGrain, func(lo, hi int) { kern.SiLUBackward(dx[lo:hi], dy[lo:hi], x[lo:hi]) })
}

// GELU writes the erf GELU y = x·Φ(x) = x/2·(1 + erf(x/√2)), PyTorch's
// default and GPT-NeoX's hidden_act "gelu" (kern.GELU: exact in its Go
// version, Φ within 1e-7 in the vector one, as PyTorch's CPU kernel).
func GELU(y, x []float32) {
	tensor.Parallel(len(x), elementGrain, func(lo, hi int) { kern.GELU(y[lo:hi], x[lo:hi]) })
}

// GELUBackward writes dx = dy·(Φ(x) + x·φ(x)) (kern.GELUBackward).
func GELUBackward(dx, dy, x []float32) {
	tensor.Parallel(len(x), elementGrain, func(lo, hi int) { kern.GELUBackward(dx[lo:hi], dy[lo:hi], x[lo:hi]) })
}

// SoftplusThreshold is PyTorch's: above it softplus returns its input.
const SoftplusThreshold = 20

// Softplus returns log(1 + eˣ), or x above the threshold (PyTorch's
// F.softplus with beta 1, threshold 20; also the CUDA scan's rule).
func Softplus(x float32) float32 {
	if x > SoftplusThreshold {
		return x
	}
	return float32(math.Log1p(math.Exp(float64(x))))
}

// SoftplusGrad returns d softplus / dx = σ(x) (1 above the threshold).
func SoftplusGrad(x float32) float32 {
	if x > SoftplusThreshold {
		return 1
	}
	return float32(1 / (1 + math.Exp(float64(-x))))
}

// Sigmoid returns 1/(1+e⁻ˣ).
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(float64(-x)))) }
