package mamba2

import "math"

// DT returns layer l's step sizes dt (B, L, H) of the last Forward (after
// softplus, dt_bias and the time-step limit). The slice is the model's
// buffer: copy it to keep it past the next Forward.
func (m *Model) DT(l int) []float32 { return m.Layers[l].Mixer.dt }

// A returns layer l's per-head A = −exp(A_log) (H), computed now.
func (m *Model) A(l int) []float32 {
	a := make([]float32, m.cfg.H())
	for h, v := range m.Layers[l].Mixer.ALog.Value.Data {
		a[h] = -float32(math.Exp(float64(v)))
	}
	return a
}

// Spectrum returns the exact Lyapunov exponents of a scalar-A SSM layer
// along a trajectory: with step sizes dt (B, L, H) and A (H), the state
// Jacobian of head h at step t is exp(dt_{t,h} A_h)·I, so all P·N exponents
// of head h equal
//
//	λ[b, h] = A_h · (1/L) Σ_t dt[b, t, h]          (B, H)
//
// and maxes[b] = max_h λ[b, h] ≤ 0 (Theorem 1 of 2406.00209). Means are
// accumulated in float64.
func Spectrum(dt, A []float32, B, L, H int) (lambda, maxes []float32) {
	if len(dt) != B*L*H || len(A) != H {
		panic("mamba2: Spectrum shapes")
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

// LyapunovSpectra returns, for every layer l, the exact exponents
// lambda[l] (B, H) and their maximum maxes[l] (B) along the last Forward's
// trajectory (see Spectrum). Every one of head h's P·N state entries has
// exponent lambda[l][b·H + h].
func (m *Model) LyapunovSpectra() (lambda, maxes [][]float32) {
	if m.b == 0 {
		panic("mamba2: LyapunovSpectra without Forward")
	}
	for l := range m.Layers {
		lam, mx := Spectrum(m.DT(l), m.A(l), m.b, m.l, m.cfg.H())
		lambda, maxes = append(lambda, lam), append(maxes, mx)
	}
	return lambda, maxes
}
