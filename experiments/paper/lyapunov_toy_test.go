package paper

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// An architecture registered here and nowhere else goes through the
// Lyapunov kind: the kind finds everything it measures in the registry
// entry (Dynamics), so adding an SSM needs no edit of this package.
//
// toyDiag is a stack of diagonal linear SSM layers on a residual stream:
// layer l keeps x_l (D) with x_l ← a_l ⊙ x_l + h and adds x_l to h; the
// logits are h against the (tied) embedding. Layer l's exact Lyapunov
// spectrum is log a_l, constant along the tokens.
type toyDiag struct {
	emb *nn.Embedding
	a   []*nn.Param // per layer (D), in [0.5, 0.9]
}

const toyName = "toy_diag"

func init() {
	noHF := errors.New("toy_diag has no checkpoint format")
	models.Register(models.Arch{
		Name: toyName, Label: "Toy diagonal SSM", Order: 100, Kind: models.SSM,
		Fill:  func(s *models.Spec) { models.Default(&s.Layers, 1) },
		Check: func(s *models.Spec) (string, error) { return "", nil },
		New: func(s models.Spec, seed uint64) (lm.Model, error) {
			r := rand.New(rand.NewPCG(seed, 1))
			m := &toyDiag{emb: nn.NewEmbedding("emb", s.Vocab, s.DModel)}
			for i := range m.emb.W.Value.Data {
				m.emb.W.Value.Data[i] = float32(r.NormFloat64())
			}
			for range s.Layers {
				p := nn.NewParam("a", true, s.DModel)
				for i := range p.Value.Data {
					p.Value.Data[i] = float32(0.5 + 0.4*r.Float64())
				}
				m.a = append(m.a, p)
			}
			return m, nil
		},
		Load: func(string, []byte) (lm.Model, hf.WeightRules, error) { return nil, hf.WeightRules{}, noHF },
		Save: func(string, lm.Model) error { return noHF },
		Footprint: func(s models.Spec) (lm.Footprint, error) {
			return lm.Footprint{Params: float64(s.Vocab*s.DModel + s.Layers*s.DModel)}, nil
		},
		HFFootprint: func(string, []byte) (lm.Footprint, error) { return lm.Footprint{}, noHF },
		FLOPs:       func(lm.Model, int, models.FLOPCounter) {},
		LoRATargets: []string{"emb"},
		Embedding:   func(m lm.Model) *nn.Embedding { return m.(*toyDiag).emb },
		SSMLayers:   func(m lm.Model) int { return len(m.(*toyDiag).a) },
		Dynamics:    toyDynamics,
	})
}

func (m *toyDiag) Arch() string                         { return toyName }
func (m *toyDiag) VocabSize() int                       { return m.emb.V }
func (m *toyDiag) Linears() map[string]*nn.Linear       { return nil }
func (m *toyDiag) Backward(precision.Policy, []float32) { panic("toy_diag does not train") }

func (m *toyDiag) Params() []*nn.Param { return append([]*nn.Param{m.emb.W}, m.a...) }

// Forward runs each sequence through the stack step by step.
func (m *toyDiag) Forward(_ precision.Policy, ids []int, B, T int) []float32 {
	s := &toyStack{m: m}
	out := make([]float32, 0, B*T*m.emb.V)
	logits, u := make([]float32, m.emb.V), make([]float32, m.emb.D)
	for b := range B {
		x := make([]float32, s.StateDim())
		for _, id := range ids[b*T : (b+1)*T] {
			m.emb.Forward(u, []int{id})
			s.StepOut(x, logits, x, u)
			out = append(out, logits...)
		}
	}
	return out
}

// toyLayer is one layer's state map x ← a ⊙ x + u, output the new x. It
// has no JVP: the kind's QR takes finite differences.
type toyLayer struct{ a []float32 }

func (l toyLayer) StateDim() int    { return len(l.a) }
func (l toyLayer) InputDim() int    { return len(l.a) }
func (l toyLayer) OutputDim() int   { return len(l.a) }
func (l toyLayer) ConvMask() []bool { return nil }
func (l toyLayer) Step(dst, x, u []float32) {
	for i, a := range l.a {
		dst[i] = a*x[i] + u[i]
	}
}
func (l toyLayer) StepOut(dst, out, x, u []float32) { l.Step(dst, x, u); copy(out, dst) }

// toyStack is the whole model: the layers' states in order, driven by
// the token embedding, output the logits.
type toyStack struct {
	m    *toyDiag
	h, y []float32
}

func (s *toyStack) StateDim() int    { return len(s.m.a) * s.m.emb.D }
func (s *toyStack) InputDim() int    { return s.m.emb.D }
func (s *toyStack) OutputDim() int   { return s.m.emb.V }
func (s *toyStack) ConvMask() []bool { return nil }
func (s *toyStack) Step(dst, x, u []float32) {
	s.StepOut(dst, make([]float32, s.m.emb.V), x, u)
}

func (s *toyStack) StepOut(dst, out, x, u []float32) {
	D := s.m.emb.D
	s.h = append(s.h[:0], u...)
	s.y = append(s.y[:0], make([]float32, D)...)
	for l, a := range s.m.a {
		toyLayer{a.Value.Data}.StepOut(dst[l*D:(l+1)*D], s.y, x[l*D:(l+1)*D], s.h)
		for i, v := range s.y {
			s.h[i] += v
		}
	}
	w := s.m.emb.W.Value.Data
	for v := range out {
		out[v] = 0
		for i, h := range s.h {
			out[v] += h * w[v*D+i]
		}
	}
}

// toyDynamics is the entry's Dynamics hook: each layer's input is the
// residual stream entering it.
func toyDynamics(lmm lm.Model, tokens []int) models.Dynamics {
	m := lmm.(*toyDiag)
	D, L := m.emb.D, len(m.a)
	d := models.Dynamics{Model: &toyStack{m: m}}
	for _, p := range m.a {
		logs := make([]float64, D)
		for i, a := range p.Value.Data {
			logs[i] = math.Log(float64(a))
		}
		d.Layers = append(d.Layers, models.LayerUnit{System: toyLayer{p.Value.Data},
			Spectrum: func(from, to, k int) []float64 { return lyapunov.Leading(logs, k) }})
	}
	x, h := make([]float32, L*D), make([]float32, D)
	for _, id := range tokens {
		m.emb.Forward(h, []int{id})
		for l, p := range m.a {
			d.Layers[l].Inputs = append(d.Layers[l].Inputs, append([]float32(nil), h...))
			toyLayer{p.Value.Data}.Step(x[l*D:(l+1)*D], x[l*D:(l+1)*D], h)
			for i, v := range x[l*D : (l+1)*D] {
				h[i] += v
			}
		}
	}
	return d
}

// The toy goes through the kind like Mamba: every layer unit's ζ is its
// largest log a (in [log 0.5, log 0.9]), the perturbation bound holds, QR
// from the layer's steps agrees with the exact spectrum from its
// Spectrum hook, and every draw of more than one layer gets a model unit.
func TestLyapunovRegisteredToyArchitecture(t *testing.T) {
	s := runOneModel(t, "toy", "arch = \""+toyName+"\"\nd_model = 6\nlayers = 2")
	st := s.Stats
	if s.Arch != toyName || s.Label != "Toy diagonal SSM (init)" || s.LayersPerDraw != 2 || st.Layers != 2*s.Settings.Draws || st.Models != s.Settings.Draws {
		t.Fatalf("arch %q label %q: %d layers per draw, %d layer and %d model units over %d draws",
			s.Arch, s.Label, s.LayersPerDraw, st.Layers, st.Models, s.Settings.Draws)
	}
	if st.NonPositive != st.Layers || st.BoundTested == 0 || st.BoundHeld != st.BoundTested {
		t.Errorf("ζ <= 0 on %d/%d layers, bound held %d/%d", st.NonPositive, st.Layers, st.BoundHeld, st.BoundTested)
	}
	if len(st.QR) == 0 || !(st.QR[len(st.QR)-1].MaxErr < 0.05) || !(st.LambdaMax < 0) {
		t.Errorf("QR against the exact spectrum %+v, model λ_max %v", st.QR, st.LambdaMax)
	}
	for _, u := range s.Units {
		if z := float64(u.Zeta); u.Kind == summary.UnitLayer && !(z >= math.Log(0.5) && z <= math.Log(0.9)) {
			t.Errorf("draw %d layer %d: ζ = %v, want a log a in [log 0.5, log 0.9]", u.Draw, u.Layer, z)
		}
	}
}
