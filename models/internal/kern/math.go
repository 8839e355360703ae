package kern

import "math"

// Exp is a float32 exponential within 2 ulp (Cephes expf: range reduction
// by ln 2, a degree-5 polynomial on [−ln2/2, ln2/2]), the accuracy of the
// CUDA kernel's exp2f and of PyTorch's vectorised expf. The assembly
// version saturates outside [−87.34, 88.38] (to 2^−126 and 2.4e38) instead
// of reaching 0, subnormals or +Inf: every caller feeds it a decay, a gate
// or a shifted score, where the difference is below 2^−126 absolute or
// the result is saturated anyway.
func Exp(x float32) float32 {
	const (
		maxLog = 88.72283905206835
		minLog = -103.97207708 // below: rounds to 0 in float32
		log2e  = 1.44269504088896341
		c1     = 0.693359375 // ln 2 split into an exact head and a tail
		c2     = -2.12194440e-4
	)
	switch {
	case x != x:
		return x
	case x > maxLog:
		return float32(math.Inf(1))
	case x < minLog:
		return 0
	}
	z := float32(math.Floor(float64(log2e*x + 0.5)))
	r := x - z*c1
	r -= z * c2
	p := (((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+
		1.6666665459e-1)*r+5.0000001201e-1)*(r*r) + r + 1
	n := int32(z)
	switch {
	case n > 127:
		return p * 2 * math.Float32frombits(254<<23)
	case n >= -126:
		return p * math.Float32frombits(uint32(n+127)<<23)
	}
	return float32(math.Ldexp(float64(p), int(n))) // subnormal result
}

// SoftplusThreshold is PyTorch's: above it softplus returns its input.
const SoftplusThreshold = 20

// Softplus returns log(1 + eˣ), or x above the threshold (F.softplus with
// beta 1, threshold 20), correctly rounded from float64.
func Softplus(x float32) float32 {
	if x > SoftplusThreshold {
		return x
	}
	return float32(math.Log1p(math.Exp(float64(x))))
}

// Sigmoid returns 1/(1+e⁻ˣ), correctly rounded from float64.
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(float64(-x)))) }

// silu returns x·σ(x) as the scan gate computes it: x/(1+exp(−x)).
func silu(x float32) float32 { return x / (1 + Exp(-x)) }
