package lyapunov_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	// A file-format reader, used by this test only to load the PyTorch
	// reference; the lyapunov package itself imports nothing from models.
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// The HF fixtures hold, per Mamba layer, the step sizes delta.<l> (B, T, E)
// that PyTorch computed and the spectrum A * mean_t delta it derived from
// them; ExactSpectrumBatch must reproduce both from delta and A_log.
func TestExactSpectrumMatchesPyTorchFixtures(t *testing.T) {
	for _, seed := range []string{"seed0", "seed1", "seed2"} {
		dir := filepath.Join("..", "..", "testdata", "fixtures", seed, "mamba")
		ref, err := safetensors.ReadFile(filepath.Join(dir, "reference.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		model, err := safetensors.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		for l := 0; ref.Has(fmt.Sprintf("delta.%d", l)); l++ {
			t.Run(fmt.Sprintf("%s/layer%d", seed, l), func(t *testing.T) {
				checkLayer(t, ref, model, l)
			})
		}
	}
}

func checkLayer(t *testing.T, ref, model *safetensors.File, l int) {
	delta, ds := must(ref.Float32(fmt.Sprintf("delta.%d", l)))
	aLog, as := must(model.Float32(fmt.Sprintf("backbone.layers.%d.mixer.A_log", l)))
	wantL, _ := must(ref.Float32(fmt.Sprintf("lyapunov_spectrum.%d", l)))
	wantZ, _ := must(ref.Float32(fmt.Sprintf("lyapunov_max.%d", l)))
	b, T, e, n := ds[0], ds[1], ds[2], as[1]
	lambda, zeta := lyapunov.ExactSpectrumBatch(lyapunov.AFromLog(aLog), e, n, delta, b, T)
	r := maxRel(lambda, wantL)
	t.Logf("B=%d T=%d E=%d N=%d: max relative difference %.2g", b, T, e, n, r)
	if r > 1e-4 {
		t.Errorf("spectrum: max relative difference %.3g > 1e-4", r)
	}
	if r := maxRel(zeta, wantZ); r > 1e-4 {
		t.Errorf("max exponent: relative difference %.3g > 1e-4 (got %v, want %v)", r, zeta, wantZ)
	}
	for _, z := range zeta {
		if !(z < 0) {
			t.Errorf("zeta = %v, want < 0 for A < 0, delta > 0", z)
		}
	}
}

func must(x []float32, shape []int, err error) ([]float32, []int) {
	if err != nil {
		panic(err)
	}
	return x, shape
}

func maxRel(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	r := 0.0
	for i := range got {
		d := math.Abs(float64(got[i] - want[i]))
		r = math.Max(r, d/math.Max(math.Abs(float64(want[i])), 1e-30))
	}
	return r
}
