package lyapunov

import (
	"fmt"
	"math"
	"slices"
)

// AFromLog returns A = -exp(A_log), the state matrix a Mamba checkpoint
// stores as A_log (mamba_ssm: A = -torch.exp(self.A_log.float())).
func AFromLog(aLog []float32) []float32 {
	a := make([]float32, len(aLog))
	for i, v := range aLog {
		a[i] = float32(-math.Exp(float64(v)))
	}
	return a
}

// ExactSpectrum returns the Lyapunov spectrum of one Mamba layer driven by a
// fixed input sequence. For fixed inputs the state Jacobian is
// diag(exp(delta[t,d] * A[d,n])), so the exponents are exactly
//
//	lambda[d,n] = A[d,n] * mean_t delta[t,d]
//
// (docs/metrics.md). a is A (E, N), delta is (T, E); lambda is (E, N) and
// zeta = max over (d, n) of lambda, the layer's maximal exponent (<= 0 when
// A < 0 and delta > 0). Means and products are taken in float64.
func ExactSpectrum(a []float32, e, n int, delta []float32, t int) (lambda []float32, zeta float32) {
	checkShape("ExactSpectrum", a, e, n, delta, 1, t)
	lambda = make([]float32, e*n)
	zeta = spectrumInto(lambda, a, e, n, delta, t)
	return lambda, zeta
}

// ExactSpectrumBatch is ExactSpectrum for a batch: delta is (B, T, E), lambda
// is (B, E, N) and zeta is (B). This is what `ssmlab lyapunov` writes as
// lyapunov_spectrum.<layer> and lyapunov_max.<layer>.
func ExactSpectrumBatch(a []float32, e, n int, delta []float32, b, t int) (lambda, zeta []float32) {
	checkShape("ExactSpectrumBatch", a, e, n, delta, b, t)
	lambda = make([]float32, b*e*n)
	zeta = make([]float32, b)
	for i := range b {
		zeta[i] = spectrumInto(lambda[i*e*n:(i+1)*e*n], a, e, n, delta[i*t*e:(i+1)*t*e], t)
	}
	return lambda, zeta
}

// ScalarSpectrum returns the exact Lyapunov exponents of a scalar-A SSM
// layer (Mamba-2: one A per head)
// along a trajectory: with step sizes dt (B, L, H) and A (H), the state
// Jacobian of head h at step t is exp(dt_{t,h} A_h)·I, so all P·N exponents
// of head h equal
//
//	λ[b, h] = A_h · (1/L) Σ_t dt[b, t, h]          (B, H)
//
// and maxes[b] = max_h λ[b, h] ≤ 0 (Theorem 1 of 2406.00209). Means are
// accumulated in float64.
func ScalarSpectrum(dt, A []float32, B, L, H int) (lambda, maxes []float32) {
	if len(dt) != B*L*H || len(A) != H {
		panic(fmt.Sprintf("lyapunov: ScalarSpectrum: dt has %d values, A %d, for B=%d L=%d H=%d", len(dt), len(A), B, L, H))
	}
	lambda, maxes = make([]float32, B*H), make([]float32, B)
	for b := 0; b < B; b++ {
		maxes[b] = float32(math.Inf(-1))
		for h := 0; h < H; h++ {
			var s float64
			for t := 0; t < L; t++ {
				s += float64(dt[(b*L+t)*H+h])
			}
			v := float32(float64(A[h]) * s / float64(L))
			lambda[b*H+h] = v
			maxes[b] = max(maxes[b], v)
		}
	}
	return lambda, maxes
}

// PathwiseZeta returns mean_t max_{d,n} A[d,n]*delta[t,d], the form in which
// the proof sketch of Theorem 1 writes zeta. It bounds the exact maximal
// exponent from above (a mean of maxima is at least the maximum of means) and
// is <= 0 under the same sign conditions.
func PathwiseZeta(a []float32, e, n int, delta []float32, t int) float64 {
	checkShape("PathwiseZeta", a, e, n, delta, 1, t)
	sum := 0.0
	for s := range t {
		best := math.Inf(-1)
		for d := range e {
			dt := float64(delta[s*e+d])
			for j := range n {
				best = math.Max(best, float64(a[d*n+j])*dt)
			}
		}
		sum += best
	}
	return sum / float64(t)
}

func spectrumInto(lambda, a []float32, e, n int, delta []float32, t int) float32 {
	zeta := float32(math.Inf(-1))
	for d := range e {
		mean := 0.0
		for s := range t {
			mean += float64(delta[s*e+d])
		}
		mean /= float64(t)
		for j := range n {
			l := float32(float64(a[d*n+j]) * mean)
			lambda[d*n+j] = l
			if l > zeta || math.IsNaN(float64(l)) {
				zeta = l
			}
		}
	}
	return zeta
}

func checkShape(fn string, a []float32, e, n int, delta []float32, b, t int) {
	if e <= 0 || n <= 0 || b <= 0 || t <= 0 {
		panic(fmt.Sprintf("lyapunov.%s: dimensions must be positive, have E=%d N=%d B=%d T=%d", fn, e, n, b, t))
	}
	if len(a) != e*n {
		panic(fmt.Sprintf("lyapunov.%s: A has %d values, want E*N = %d", fn, len(a), e*n))
	}
	if len(delta) != b*t*e {
		panic(fmt.Sprintf("lyapunov.%s: delta has %d values, want B*T*E = %d", fn, len(delta), b*t*e))
	}
}

// Leading returns the min(k, len(xs)) largest of xs in decreasing order (a
// copy): how exact spectra are compared with QR's k leading exponents.
func Leading(xs []float64, k int) []float64 {
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
	return s[:min(k, len(s))]
}
