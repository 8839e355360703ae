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
		lambda, zeta, per, err := LayerSpectra(m, ids, B, T)
		if err != nil {
			t.Fatal(err)
		}
		if len(lambda) == 0 || per*B != len(lambda[0]) {
			t.Fatalf("%s: %d layers, %d exponents per window", testfix.Name(dir), len(lambda), per)
		}
		for l := range lambda {
			name := filepath.Base(dir) + ".layer" + string(rune('0'+l))
			testfix.Close(t, name+" spectrum", lambda[l], testfix.Float32(t, ref, "lyapunov_spectrum."+string(rune('0'+l))), 1e-5)
			testfix.Close(t, name+" max", zeta[l], testfix.Float32(t, ref, "lyapunov_max."+string(rune('0'+l))), 1e-5)
			for _, z := range zeta[l] {
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
	lambda, zeta, per, err := LayerSpectra(m, ids, B, T)
	if err != nil {
		t.Fatal(err)
	}
	for l := range lambda {
		for b := 0; b < B; b++ {
			best := lambda[l][b*per]
			for _, v := range lambda[l][b*per : (b+1)*per] {
				best = max(best, v)
			}
			if best != zeta[l][b] || !(best < 0) {
				t.Errorf("layer %d window %d: ζ %g, max λ %g", l, b, zeta[l][b], best)
			}
		}
	}
	neox, err := hf.Load(testfix.Dirs(t, "gpt_neox")[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := LayerSpectra(neox, ids, B, T); err == nil {
		t.Error("a GPT-NeoX model has no exact spectrum")
	}
}
