package mamba2

// DT returns layer l's step sizes dt (B, L, H) of the last Forward (after
// softplus, dt_bias and the time-step limit). The slice is the model's
// buffer: copy it to keep it past the next Forward.
func (m *Model) DT(l int) []float32 { return m.Layers[l].Mixer.DT() }

// Its exact Lyapunov spectrum is lyapunov.ScalarSpectrum(m.DT(l), m.A(l),
// B, L, H) (package metrics/lyapunov): every exponent of head h is A_h
// times its mean step size.

// A returns layer l's per-head A = −exp(A_log) (H), computed now.
func (m *Model) A(l int) []float32 { return m.Layers[l].Mixer.A() }
