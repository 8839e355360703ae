package all_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models"
	_ "github.com/ssmlab/ssmlab/models/all"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// tiny is one spec every architecture builds from: each reads the sizes it
// knows and its Fill completes the rest.
var tiny = models.Spec{Vocab: 24, DModel: 16, Layers: 3, DState: 4, HeadDim: 8, Heads: 2, Radius: 0.9,
	Mixers: []string{"mamba", "attention", "mamba2"}}

type flops struct {
	linears int
	total   float64
}

func (f *flops) Linear(l *nn.Linear) { f.linears++; f.total += 2 * float64(l.In*l.Out) }
func (f *flops) Mixing(c float64)    { f.total += c }

// Every registered architecture goes through every path the harness uses:
// config Fill/Check, construction (deterministic in the seed), forward and
// backward, HF save/load round trip (same logits), FLOP count, default
// LoRA targets, label and order. A new architecture is covered by
// registering it; nothing here names one.
func TestEveryArchitectureEveryPath(t *testing.T) {
	names := models.Names()
	if len(names) < 5 {
		t.Fatalf("registered: %v", names)
	}
	if !slices.Equal(names, config.Architectures()) {
		t.Fatalf("config knows %v, the registry %v", config.Architectures(), names)
	}
	labels := map[string]bool{}
	for _, a := range models.All() {
		t.Run(a.Name, func(t *testing.T) {
			if labels[a.Label] {
				t.Errorf("label %q used twice", a.Label)
			}
			labels[a.Label] = true
			if models.Label(a.Name) != a.Label || models.Order(a.Name) != a.Order {
				t.Errorf("Label/Order lookups disagree with the entry")
			}
			for _, al := range a.Aliases {
				if b, ok := models.Lookup(al); !ok || b != a {
					t.Errorf("alias %q does not resolve", al)
				}
			}

			// config: the spec as an experiment file gives it
			spec := config.Model{Arch: a.Name, Spec: tiny}
			spec.Spec.Vocab = 0
			spec.Fill()
			if _, err := a.CheckSpec(spec.Spec); err != nil {
				t.Fatalf("filled tiny spec: %v", err)
			}
			bad := spec
			bad.DModel = 0
			if f, err := a.CheckSpec(bad.Spec); err == nil || f != "d_model" {
				t.Errorf("d_model 0: field %q err %v", f, err)
			}

			// construction
			s := spec.Spec
			s.Vocab = tiny.Vocab
			m, err := models.New(a.Name, s, 7)
			if err != nil {
				t.Fatal(err)
			}

			// the memory estimate knows whether the model has an inference
			// pass (lm.Inferer), and that pass keeps less than training
			fp, err := a.FootprintOf(s)
			if err != nil {
				t.Fatal(err)
			}
			if _, inf := m.(lm.Inferer); inf != (fp.InferPerToken > 0) {
				t.Errorf("Inferer %v but Footprint.InferPerToken %v", inf, fp.InferPerToken)
			} else if inf && (fp.InferPerToken >= fp.PerToken || fp.InferBytes(8, 64) >= fp.TrainBytes(8, 64)) {
				t.Errorf("inference estimate %v values/token, %v bytes is not below training's %v, %v",
					fp.InferPerToken, fp.InferBytes(8, 64), fp.PerToken, fp.TrainBytes(8, 64))
			}
			if m.Arch() != a.Name || m.VocabSize() != tiny.Vocab {
				t.Fatalf("built %s with vocab %d", m.Arch(), m.VocabSize())
			}
			if e, err := models.Of(m); err != nil || e != a {
				t.Fatalf("models.Of: %v", err)
			}
			if a.Embedding(m) == nil {
				t.Fatal("no embedding")
			}
			if (a.SSMLayers != nil) != (a.Kind == models.SSM) || (a.SSMLayers != nil && a.SSMLayers(m) < 1) {
				t.Error("SSM architectures report their SSM layers, others none")
			}
			lyapunovHooks(t, a, m)
			B, T := 2, 5
			ids := make([]int, B*T)
			for i := range ids {
				ids[i] = (3*i + 1) % tiny.Vocab
			}
			loss := func(m lm.Model, backward bool) float64 {
				return lm.Loss(m, precision.FP32Policy, ids, nn.ShiftLabels(ids, B, T), B, T, backward, 1)
			}
			l0 := loss(m, true)
			if math.IsNaN(l0) || l0 <= 0 {
				t.Fatalf("loss %v", l0)
			}
			grads := 0.0
			for _, p := range m.Params() {
				for _, g := range p.Grad.Data {
					grads += math.Abs(float64(g))
				}
			}
			if !(grads > 0) {
				t.Fatal("backward left every gradient zero")
			}
			same, _ := models.New(a.Name, s, 7)
			other, _ := models.New(a.Name, s, 8)
			if loss(same, false) != l0 || loss(other, false) == l0 {
				t.Error("construction is not deterministic in the seed")
			}

			// HF directory round trip
			dir := t.TempDir()
			if err := hf.Save(dir, m); err != nil {
				t.Fatal(err)
			}
			back, err := hf.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if back.Arch() != a.Name || loss(back, false) != l0 {
				t.Errorf("round trip: %s, loss %v want %v", back.Arch(), loss(back, false), l0)
			}

			// FLOPs: every linear of the model, the head included
			var f flops
			a.FLOPs(m, T, &f)
			// (a tied head may be missing from Linears but is counted)
			if f.linears < len(m.Linears()) || !(f.total > 0) {
				t.Errorf("FLOPs counted %d linears (model has %d), total %v", f.linears, len(m.Linears()), f.total)
			}

			// default LoRA targets exist in the model and attach
			ad, err := lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetModules: a.LoRATargets}, 1)
			if err != nil {
				t.Fatalf("LoRA targets %v: %v", a.LoRATargets, err)
			}
			if la := loss(&lora.Model{Model: m, Adapters: ad}, true); la != l0 {
				t.Errorf("fresh adapters (B = 0) changed the loss: %v, want %v", la, l0)
			}
		})
	}
}

// The paper's LoRA methods in the config defaults agree with the registry
// (lora_all is every default target), so an architecture they do not
// list gets the same adapters through Method.TargetsFor.
func TestLoRAAllMatchesRegistry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "preset.toml")
	if err := os.WriteFile(path, []byte("seed = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := config.Load(path, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	all, ok := d.Methods["lora_all"]
	if !ok {
		t.Fatal("defaults have no lora_all")
	}
	for _, a := range models.All() {
		if got := all.TargetsFor(a.Name); !slices.Equal(got, a.LoRATargets) {
			t.Errorf("%s: lora_all targets %v, registry %v", a.Name, got, a.LoRATargets)
		}
	}
}

// spectra checks an SSM entry's Spectra hook on m for two sequences, the
// first of them tokens: one spectrum per SSM layer, in increasing layer
// order, of B·prod(Shape) finite exponents with their maximum per
// sequence, which for tokens is the leading exponent of the layer's unit
// in d (Dynamics along the same tokens). Other kinds have no Spectra.
func spectra(t *testing.T, a *models.Arch, m lm.Model, tokens []int, d models.Dynamics) {
	t.Helper()
	if (a.Spectra != nil) != (a.Kind == models.SSM) {
		t.Fatalf("kind %v with Spectra set: %v; want Spectra for an SSM only", a.Kind, a.Spectra != nil)
	}
	if a.Spectra == nil {
		return
	}
	const B = 2
	T := len(tokens)
	ids := append(append([]int(nil), tokens...), tokens...)
	slices.Reverse(ids[T:])
	sp := a.Spectra(m, precision.FP32Policy, ids, B, T)
	if len(sp) != a.SSMLayers(m) || len(sp) != len(d.Layers) {
		t.Fatalf("Spectra gives %d layers, SSMLayers %d, Dynamics %d", len(sp), a.SSMLayers(m), len(d.Layers))
	}
	for l, ls := range sp {
		n := 1
		for _, k := range ls.Shape {
			n *= k
		}
		if (l > 0 && ls.Layer <= sp[l-1].Layer) || n < 1 || len(ls.Exponents) != B*n || len(ls.Max) != B {
			t.Fatalf("spectrum %d: layer %d, shape %v, %d exponents, %d maxima for %d sequences", l, ls.Layer, ls.Shape, len(ls.Exponents), len(ls.Max), B)
		}
		for b := range B {
			row := ls.Exponents[b*n : (b+1)*n]
			if best := slices.Max(row); best != ls.Max[b] || math.IsNaN(float64(best)) || math.IsInf(float64(best), 0) {
				t.Errorf("layer %d sequence %d: max %v, largest exponent %v", ls.Layer, b, ls.Max[b], best)
			}
		}
		if want := d.Layers[l].Spectrum(0, T, 1)[0]; math.Abs(float64(ls.Max[0])-want) > 1e-5*math.Abs(want)+1e-7 {
			t.Errorf("layer %d: ζ %v from Spectra, %v from Dynamics along the same tokens", ls.Layer, ls.Max[0], want)
		}
	}
}

// lyapunovHooks checks the entry's Lyapunov hooks on m: an SSM or a
// recurrent control runs as Dynamics (one layer unit per SSM layer, each
// with its inputs along the tokens and a finite exact spectrum; a
// recurrent control only as a whole model, with its radius), an attention
// model as a Sequence map from embeddings to logits.
func lyapunovHooks(t *testing.T, a *models.Arch, m lm.Model) {
	t.Helper()
	tokens := []int{1, 4, 2, 7, 3}
	T, D := len(tokens), a.Embedding(m).D
	if (a.Dynamics != nil) == (a.Sequence != nil) {
		t.Fatal("want exactly one of Dynamics and Sequence")
	}
	if a.Kind == models.Attention {
		if a.Sequence == nil || len(a.Sequence(m, make([]float32, T*D), T)) != T*m.VocabSize() {
			t.Error("an attention model maps embeddings (T, D) to logits (T, V) with Sequence")
		}
		return
	}
	d := a.Dynamics(m, tokens)
	if a.Kind == models.Recurrent {
		if len(d.Layers) != 0 || d.Model == nil || a.Radius == nil || !(a.Radius(m) > 0) {
			t.Error("a recurrent control is one whole-model recurrence with a radius")
		}
	} else if len(d.Layers) != a.SSMLayers(m) {
		t.Errorf("Dynamics has %d layer units, SSMLayers says %d", len(d.Layers), a.SSMLayers(m))
	}
	spectra(t, a, m, tokens, d)
	for l, u := range d.Layers {
		if len(u.Inputs) != T || len(u.Inputs[0]) != u.System.InputDim() {
			t.Errorf("layer %d: %d inputs, want %d of %d values", l, len(u.Inputs), T, u.System.InputDim())
		}
		if z := u.Spectrum(0, T, 1); len(z) != 1 || math.IsNaN(z[0]) || math.IsInf(z[0], 0) {
			t.Errorf("layer %d: exact leading exponent %v", l, z)
		}
		x := make([]float32, u.System.StateDim())
		u.System.StepOut(x, make([]float32, u.System.OutputDim()), x, u.Inputs[0])
	}
	if s := d.Model; s != nil {
		if s.InputDim() != D || s.OutputDim() != m.VocabSize() {
			t.Errorf("whole model takes %d inputs and gives %d outputs, want %d and %d", s.InputDim(), s.OutputDim(), D, m.VocabSize())
		}
		x := make([]float32, s.StateDim())
		s.StepOut(x, make([]float32, s.OutputDim()), x, make([]float32, D))
	}
}
