package main

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// cmdToy is a test-only SSM of diagonal layers x ← a ⊙ x + u, whose exact
// Lyapunov exponents are log a. Only what the lyapunov command reaches
// after loading a model is defined: it is not registered (a registered
// toy would join every registry-wide test of this package, such as the
// bench's), so the test hands its entry to lyapunovTensors directly.
type cmdToy struct {
	v int
	a [][]float32 // per SSM layer (D)
}

func (m *cmdToy) Arch() string                   { return "cmd_toy" }
func (m *cmdToy) VocabSize() int                 { return m.v }
func (m *cmdToy) Params() []*nn.Param            { return nil }
func (m *cmdToy) Linears() map[string]*nn.Linear { return nil }
func (m *cmdToy) Forward(precision.Policy, []int, int, int) []float32 {
	panic("cmd_toy: the lyapunov command runs models through Arch.Spectra")
}
func (m *cmdToy) Backward(precision.Policy, []float32) { panic("cmd_toy does not train") }

// An architecture's Spectra hook is all the lyapunov command needs: its
// layers come out under their model indices (1 and 3 here, as a hybrid's
// SSM layers around attention), [B, D] each, with their maxima; an entry
// without the hook is refused in one line.
func TestLyapunovCommandToyArchitecture(t *testing.T) {
	m := &cmdToy{v: 8, a: [][]float32{{0.5, 0.8, 0.6}, {0.9, 0.7, 0.55}}}
	index := []int{1, 3}
	entry := &models.Arch{Name: "cmd_toy", Spectra: func(lmm lm.Model, _ precision.Policy, ids []int, B, T int) []models.Spectrum {
		if len(ids) != B*T {
			t.Fatalf("Spectra got %d ids for %d x %d", len(ids), B, T)
		}
		var out []models.Spectrum
		for l, a := range lmm.(*cmdToy).a {
			s := models.Spectrum{Layer: index[l], Shape: []int{len(a)}}
			for range B {
				for _, v := range a {
					s.Exponents = append(s.Exponents, float32(math.Log(float64(v))))
				}
				s.Max = append(s.Max, float32(math.Log(float64(slices.Max(a)))))
			}
			out = append(out, s)
		}
		return out
	}}
	const B, T = 2, 5
	ts, err := lyapunovTensors(entry, m, precision.FP32Policy, make([]int, B*T), B, T)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "toy.safetensors")
	if err := safetensors.WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	f := testfix.Read(t, path)
	if got := f.Names(); len(got) != 4 {
		t.Fatalf("tensors %v, want a spectrum and a max for each of 2 layers", got)
	}
	for l, a := range m.a {
		spec, shape, err := f.Float32(fmt.Sprintf("lyapunov_spectrum.%d", index[l]))
		if err != nil || !slices.Equal(shape, []int{B, 3}) {
			t.Fatalf("layer %d: shape %v, %v", index[l], shape, err)
		}
		for i, v := range spec {
			if want := float32(math.Log(float64(a[i%3]))); v != want {
				t.Errorf("layer %d exponent %d: %v, want %v", index[l], i, v, want)
			}
		}
		mx, shape, err := f.Float32(fmt.Sprintf("lyapunov_max.%d", index[l]))
		if err != nil || !slices.Equal(shape, []int{B}) || mx[0] != mx[1] || mx[0] != float32(math.Log(float64(slices.Max(a)))) {
			t.Errorf("layer %d: max %v %v, %v", index[l], mx, shape, err)
		}
	}
	if _, err := lyapunovTensors(&models.Arch{Name: "cmd_toy"}, m, precision.FP32Policy, make([]int, B*T), B, T); err == nil {
		t.Error("an entry without Spectra was measured")
	}
}

// A hybrid stack saved as an HF directory goes through `ssmlab lyapunov`:
// its Mamba layer gives [B, d_inner, d_state], its Mamba-2 layer [B,
// heads], its attention layer nothing, each spectrum negative with its
// maximum written beside it.
func TestLyapunovHybrid(t *testing.T) {
	m, err := models.New("hybrid", models.Spec{Vocab: 32, DModel: 16, DState: 4, Mixers: []string{"mamba", "mamba2", "attention"}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := hf.Save(model, m); err != nil {
		t.Fatal(err)
	}
	const B, T = 2, 6
	ids := make([]int64, B*T)
	for i := range ids {
		ids[i] = int64(i*7) % 32
	}
	in, out := filepath.Join(dir, "ids.safetensors"), filepath.Join(dir, "lyap.safetensors")
	if err := safetensors.WriteFile(in, []safetensors.Tensor{safetensors.I64Tensor("input_ids", []int{B, T}, ids)}, nil); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "lyapunov", "--model", model, "--input", in, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f := testfix.Read(t, out)
	if got := f.Names(); len(got) != 4 {
		t.Fatalf("tensors %v, want layers 0 and 1 only", got)
	}
	for l, want := range [][]int{{B, 32, 4}, {B, 0}} {
		spec, shape, err := f.Float32(fmt.Sprintf("lyapunov_spectrum.%d", l))
		if err != nil || len(shape) != len(want) || shape[0] != B || (want[1] > 0 && !slices.Equal(shape, want)) {
			t.Fatalf("layer %d: shape %v, want %v: %v", l, shape, want, err)
		}
		mx := testfix.Float32(t, f, fmt.Sprintf("lyapunov_max.%d", l))
		per := len(spec) / B
		for b := range B {
			if best := slices.Max(spec[b*per : (b+1)*per]); best != mx[b] || !(best < 0) {
				t.Errorf("layer %d sequence %d: max %v, largest exponent %v", l, b, mx[b], best)
			}
		}
	}
}
