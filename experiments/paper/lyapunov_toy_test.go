package paper

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/store"

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
		Spectra:     toySpectra,
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

// toySpectra is the entry's Spectra hook: layer l's exact exponents are
// log a_l (shape [D]) along every sequence, whatever its tokens.
func toySpectra(lmm lm.Model, _ precision.Policy, _ []int, B, _ int) []models.Spectrum {
	m := lmm.(*toyDiag)
	var out []models.Spectrum
	for l, p := range m.a {
		s := models.Spectrum{Layer: l, Shape: []int{len(p.Value.Data)}}
		for range B {
			best := float32(math.Inf(-1))
			for _, a := range p.Value.Data {
				v := float32(math.Log(float64(a)))
				s.Exponents = append(s.Exponents, v)
				best = max(best, v)
			}
			s.Max = append(s.Max, best)
		}
		out = append(out, s)
	}
	return out
}

// The toy goes through the spectra kind without an edit of it: LayerSpectra
// returns its hook's exponents, and a run of the kind on the built-in
// corpus summarizes each layer's constant spectrum (ζ = max log a_l in
// every window, the quantiles inside [log 0.5, ζ]).
func TestSpectraRegisteredToyArchitecture(t *testing.T) {
	m, err := models.New(toyName, models.Spec{Vocab: 16, DModel: 3, Layers: 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 2, 4
	sp, err := LayerSpectra(m, make([]int, B*T), B, T)
	if err != nil {
		t.Fatal(err)
	}
	toy := m.(*toyDiag)
	if len(sp) != len(toy.a) {
		t.Fatalf("%d spectra for %d layers", len(sp), len(toy.a))
	}
	for l, ls := range sp {
		if ls.Layer != l || len(ls.Shape) != 1 || ls.Shape[0] != 3 || len(ls.Exponents) != B*3 || len(ls.Max) != B {
			t.Fatalf("layer %d: %+v", l, ls)
		}
		for i, v := range ls.Exponents {
			if want := float32(math.Log(float64(toy.a[l].Value.Data[i%3]))); v != want {
				t.Errorf("layer %d exponent %d: %v, want log a = %v", l, i, v, want)
			}
		}
	}

	src := `name = "spectra"
kind = "spectra"

[data.text]
builtin = "corpus"
seed = 0
profile = "quick"

[models.toy]
arch = "` + toyName + `"
vocab = 512
d_model = 4
layers = 3

[params]
text = "text"
sequences = 3
seq_len = 8
batch = 2

[sweep]
model = ["toy"]
`
	path := filepath.Join(t.TempDir(), "spectra.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := experiments.Load(path, "default")
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	if _, err := experiments.Run(context.Background(), e, experiments.Options{Results: results, Stderr: io.Discard, Command: []string{"test"}}); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Collect(results, "spectra")
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	var s summary.Spectra
	if err := json.Unmarshal(rs[0].Summary, &s); err != nil {
		t.Fatal(err)
	}
	if s.Model.Arch != toyName || len(s.Layers) != 3 || s.Exponents != 4 || s.Sequences != 3 {
		t.Fatalf("arch %q: %d layers, %d exponents, %d sequences", s.Model.Arch, len(s.Layers), s.Exponents, s.Sequences)
	}
	lo := math.Log(0.5) - 1e-6
	for l, ls := range s.Layers {
		z := float64(ls.ZetaMax)
		if ls.Layer != l || len(ls.Zeta) != 3 || ls.ZetaMin != ls.ZetaMax || ls.ZetaMean != ls.ZetaMax || !(z >= lo && z <= math.Log(0.9)+1e-6) {
			t.Errorf("layer %d: index %d, ζ %v (mean %v, min %v, max %v)", l, ls.Layer, ls.Zeta, ls.ZetaMean, ls.ZetaMin, ls.ZetaMax)
		}
		if q1, q99 := float64(ls.Lambda01), float64(ls.Lambda99); !(q1 >= lo && q1 <= q99 && q99 <= z+1e-6) {
			t.Errorf("layer %d: λ quantiles %v..%v outside [log 0.5, ζ = %v]", l, q1, q99, z)
		}
	}
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
