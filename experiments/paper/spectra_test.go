package paper

import (
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
)

// The per-layer exact spectra of a checkpoint on given tokens equal the
// exponents PyTorch computed from HF's step sizes (the fixture's
// lyapunov_spectrum.<layer> and lyapunov_max.<layer>), for every fixture.
func TestLayerSpectraMatchFixture(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		dir := filepath.Join(seed, "mamba")
		m, err := hf.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		ref := testfix.Reference(t, dir)
		ids, B, T := testfix.IDs(t, ref)
		sp, err := LayerSpectra(m, ids, B, T)
		if err != nil {
			t.Fatal(err)
		}
		if len(sp) == 0 {
			t.Fatalf("%s: no layers", testfix.Name(dir))
		}
		for l, ls := range sp {
			if ls.Layer != l || len(ls.Shape) != 2 || len(ls.Exponents) != B*ls.Shape[0]*ls.Shape[1] || len(ls.Max) != B {
				t.Fatalf("%s: layer %d: index %d, shape %v, %d exponents, %d maxima", testfix.Name(dir), l, ls.Layer, ls.Shape, len(ls.Exponents), len(ls.Max))
			}
			name := filepath.Base(dir) + ".layer" + string(rune('0'+l))
			testfix.Close(t, name+" spectrum", ls.Exponents, testfix.Float32(t, ref, "lyapunov_spectrum."+string(rune('0'+l))), 1e-5)
			testfix.Close(t, name+" max", ls.Max, testfix.Float32(t, ref, "lyapunov_max."+string(rune('0'+l))), 1e-5)
			for _, z := range ls.Max {
				if !(z < 0) {
					t.Errorf("%s: ζ = %g, Theorem 1 says < 0", name, z)
				}
			}
		}
	}
}

// Mamba-2 layers give one exponent per head and window, ζ their maximum;
// a Transformer is refused.
func TestLayerSpectraMamba2AndRefusal(t *testing.T) {
	dir := filepath.Join(testfix.SeedDirs(t)[0], "mamba2")
	m, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref := testfix.Reference(t, dir)
	ids, B, T := testfix.IDs(t, ref)
	sp, err := LayerSpectra(m, ids, B, T)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp) == 0 {
		t.Fatal("no layers")
	}
	for l, ls := range sp {
		per := len(ls.Exponents) / B
		if len(ls.Shape) != 1 || ls.Shape[0] != per || len(ls.Max) != B {
			t.Fatalf("layer %d: shape %v, %d exponents, %d maxima", l, ls.Shape, len(ls.Exponents), len(ls.Max))
		}
		for b := 0; b < B; b++ {
			best := ls.Exponents[b*per]
			for _, v := range ls.Exponents[b*per : (b+1)*per] {
				best = max(best, v)
			}
			if best != ls.Max[b] || !(best < 0) {
				t.Errorf("layer %d window %d: ζ %g, max λ %g", l, b, ls.Max[b], best)
			}
		}
	}
	neox, err := hf.Load(testfix.Dirs(t, "gpt_neox")[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LayerSpectra(neox, ids, B, T); err == nil {
		t.Error("a GPT-NeoX model has no exact spectrum")
	}
}
