package models

// The Lyapunov study's view of a model (experiments/paper's "lyapunov"
// kind, docs/metrics.md): an architecture's entry says how to run one of
// its models along a token sequence as recurrences (Arch.Dynamics) or, for
// a model without a fixed-size state, as a map from input embeddings to
// logits (Arch.Sequence). The study itself is generic over these hooks.

// Recurrence is a float32 state map x_{t+1} = F(x_t, u_t) with an output
// y_t, run in fp32: metrics/lyapunov's System32 plus StepOut and ConvMask.
// One that also has JVP(dst, x, u, vs []float32) (metrics/lyapunov's
// Differentiable32: k tangents vs at once, dst the same size) gets QR with
// that Jacobian; otherwise QR takes finite differences of Step.
//
// State layouts are the family's; inputs are a layer's normed input (D)
// for a layer unit and the token embedding (D) for a model unit.
type Recurrence interface {
	StateDim() int
	InputDim() int
	OutputDim() int
	Step(dst, x, u []float32)
	// StepOut is Step that also writes the step's output. A layer's output
	// cannot be recomputed from (x_{t+1}, u_t) alone (a conv's oldest input
	// has left the shift register), so the study records it here.
	StepOut(dst, out, x, u []float32)
	// ConvMask marks the conv shift-register coordinates of the state
	// (nil: none); the study reports when their deviation is flushed.
	ConvMask() []bool
}

// LayerUnit is one selective state-space layer of a model along a token
// sequence: the unit the study measures layer by layer.
type LayerUnit struct {
	// System is the layer's state map (a value of its own, so units may be
	// measured in parallel).
	System Recurrence
	// Inputs are the layer's inputs (T, D) along the tokens: the normed
	// residual stream entering its mixer.
	Inputs [][]float32
	// Spectrum returns the k largest exact Lyapunov exponents of the
	// layer's state over steps [from, to) of the sequence, decreasing
	// (metrics/lyapunov's exact spectra along the recorded step sizes).
	Spectrum func(from, to, k int) []float64
}

// Spectrum is one SSM layer's exact Lyapunov spectrum along each of B
// sequences (Arch.Spectra): what the spectra kind summarizes and `ssmlab
// lyapunov` writes as lyapunov_spectrum.<Layer> and lyapunov_max.<Layer>.
type Spectrum struct {
	// Layer is the layer's index in the model (a hybrid stack's attention
	// layers have none, so the indices of its spectra skip them).
	Layer int
	// Shape is the spectrum's shape per sequence, the family's natural
	// one: [d_inner, d_state] for Mamba; [heads] for Mamba-2, whose
	// head_dim·d_state state entries of a head share one exponent.
	Shape []int
	// Exponents are (B, Shape...), sequence-major.
	Exponents []float32
	// Max is ζ, the largest exponent, per sequence (B).
	Max []float32
}

// Dynamics is a model run along a token sequence as the study measures it.
type Dynamics struct {
	// Layers are the model's SSM layers in order (none for a recurrent
	// control such as the tanh RNN).
	Layers []LayerUnit
	// Model is the whole model as one recurrence driven by the token
	// embeddings, with the logits as output; nil when the model has no
	// fixed-size state (a hybrid with attention layers). Its exact
	// spectrum is the union of its layers' (none without layers), and a
	// model of one layer is measured as that layer only.
	Model Recurrence
}

// ConvMask returns the ConvMask of a state made of blocks, each [conv,
// ssm] values in that order.
func ConvMask(blocks ...[2]int) []bool {
	n := 0
	for _, b := range blocks {
		n += b[0] + b[1]
	}
	m := make([]bool, n)
	off := 0
	for _, b := range blocks {
		for i := range b[0] {
			m[off+i] = true
		}
		off += b[0] + b[1]
	}
	return m
}
