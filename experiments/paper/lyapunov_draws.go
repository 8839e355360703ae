package paper

import (
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
)

// The recurrences the Lyapunov kind measures come from each
// architecture's registry entry (models.Arch.Dynamics: its SSM layers as
// layer units and the whole model as one recurrence, or Sequence for a
// model without a fixed-size state), so the kind is generic over the
// registered architectures; see models/lyapunov.go for the contract.

// stepper is a recurrence with an output (models.Recurrence).
type stepper = models.Recurrence

// fdStep is the finite-difference step of the JVPs of a recurrence
// without an analytic one (Mamba-2's): a float32 state moved by 1e-2 keeps
// the rounding of the difference near 1e-5 relative
// (lyapunov.FiniteDifference), and the SSM block, which carries the
// leading exponents, is linear in its state, so the step adds no
// truncation error there.
const fdStep = 1e-2

// jacobian returns s as a float64 Differentiable system for QR and DNS:
// with s's own JVP where it has one, else by finite differences.
func jacobian(s stepper) lyapunov.Differentiable {
	w := lyapunov.Widen(s)
	if j, ok := w.(lyapunov.Differentiable); ok {
		return j
	}
	return lyapunov.FiniteDifference(w, fdStep)
}

// embed returns the token embeddings (T, D) of a model (its registry
// entry's Embedding).
func embed(m lm.Model, tokens []int) [][]float32 {
	a, err := models.Of(m)
	if err != nil {
		panic("lyapunov: embed: " + err.Error())
	}
	e := a.Embedding(m)
	out := make([][]float32, len(tokens))
	for t, id := range tokens {
		out[t] = make([]float32, e.D)
		e.Forward(out[t], []int{id})
	}
	return out
}

// sequenceModel adapts a model without a fixed-size state (its registry
// entry's Sequence) to perturb.SequenceModel: input embeddings in, logits
// out.
type sequenceModel struct {
	fwd  func(x []float32, T int) []float32
	d, v int
}

func asSequenceModel(m lm.Model, a *models.Arch) *sequenceModel {
	return &sequenceModel{func(x []float32, T int) []float32 { return a.Sequence(m, x, T) }, a.Embedding(m).D, m.VocabSize()}
}

func (s *sequenceModel) InputDim() int  { return s.d }
func (s *sequenceModel) OutputDim() int { return s.v }

func (s *sequenceModel) Outputs(dst, inputs [][]float64) {
	x := make([]float32, 0, len(inputs)*s.d)
	for _, u := range inputs {
		for _, v := range u {
			x = append(x, float32(v))
		}
	}
	logits := s.fwd(x, len(inputs))
	for t := range dst {
		for j := range dst[t] {
			dst[t][j] = float64(logits[t*s.v+j])
		}
	}
}
