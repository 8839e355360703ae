package lyapunov

// System is a discrete-time, input-driven recurrence, the map F_theta of
// Theorem 1: x_{t+1} = F(x_t, u_t), t = 0..T-1, with state x of StateDim
// values and input u of InputDim values. A Mamba model implements it with x =
// every layer's SSM state and conv state, stacked, and u = the token's
// embedding; a single Mamba layer with x = its (E, N) state and u = the layer
// input; the tanh RNN with x = h.
//
// Step must not retain its arguments and must not modify x or u; dst and x
// never alias. The same (x, u) must give the same dst (no hidden state):
// everything a step depends on is in x and u.
type System interface {
	StateDim() int
	InputDim() int
	Step(dst, x, u []float64)
}

// Differentiable is a System with Jacobian-vector products of the state map,
// what Benettin/QR needs. vs holds k tangent vectors of StateDim values back to
// back (k = len(vs)/StateDim); JVP sets dst[j] = (dF/dx)(x, u) vs[j] for each
// of them, with u held fixed. dst and vs have the same length and never alias.
// FiniteDifference supplies a JVP for a System that has none.
type Differentiable interface {
	System
	JVP(dst, x, u, vs []float64)
}

// Observed is a System with a readout y_t = G(x_{t+1}, u_t): the output the
// layer or model emits at step t, given the state after the step and the
// step's input (for a Mamba layer y = C(u) x + D u; for a model, the logits or
// the last hidden state). Perturbation growth records output deviations for
// systems that implement it.
type Observed interface {
	System
	OutputDim() int
	Output(dst, x, u []float64)
}

// System32 is System for models that compute in float32, as ssmlab's models
// do; Widen adapts it. The contracts are those of System.
type System32 interface {
	StateDim() int
	InputDim() int
	Step(dst, x, u []float32)
}

// Differentiable32 is Differentiable in float32.
type Differentiable32 interface {
	System32
	JVP(dst, x, u, vs []float32)
}

// Observed32 is Observed in float32.
type Observed32 interface {
	System32
	OutputDim() int
	Output(dst, x, u []float32)
}
