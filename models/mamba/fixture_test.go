package mamba

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// Parity tolerances of issue 3, relative to the largest reference value.
const (
	logitTol = 2e-5
	gradTol  = 2e-3
)

// fixture is one seed's mamba folder: the loaded model, its reference
// tensors and inputs.
type fixture struct {
	m    *Model
	ref  *safetensors.File
	ids  []int
	B, T int
}

func loadFixture(t *testing.T, seedDir string) fixture {
	t.Helper()
	dir := filepath.Join(seedDir, "mamba")
	lmm, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{m: lmm.(*Model), ref: testfix.Read(t, filepath.Join(dir, "reference.safetensors"))}
	f.ids, f.B, f.T = testfix.IDsOf(t, f.ref, "input_ids")
	return f
}

// check compares got with the reference tensor name within tol, logging
// the error so `go test -v` prints the parity table.
func (f fixture) check(t *testing.T, name string, got []float32, tol float64) float64 {
	t.Helper()
	e := testfix.RelMaxErr(got, testfix.Float32(t, f.ref, name))
	t.Logf("%-52s max rel error %.2e", name, e)
	if e > tol {
		t.Errorf("%s: max error %.3g of the largest value exceeds %.3g", name, e, tol)
	}
	return e
}

// Logits, loss, hidden states, step sizes and every gradient equal
// PyTorch's (transformers MambaForCausalLM, fp32 CPU) on every fixture.
func TestFixtureParity(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		t.Run(filepath.Base(seed), func(t *testing.T) {
			f := loadFixture(t, seed)
			m := f.m
			nn.ZeroGrads(m.Params())
			loss := lm.Loss(m, precision.FP32Policy, f.ids, nn.ShiftLabels(f.ids, f.B, f.T), f.B, f.T, true, 1)
			f.check(t, "logits", m.logits, logitTol)
			f.check(t, "loss", []float32{float32(loss)}, logitTol)
			// HF MambaModel's hidden_states: each block's output, then the
			// final norm's output (no embedding entry, unlike the
			// Transformers' tuples).
			for i := range m.Layers {
				f.check(t, fmt.Sprint("hidden_states.", i), m.stack.Residual(i+1), logitTol)
				f.check(t, fmt.Sprint("delta.", i), m.Deltas()[i], logitTol)
			}
			f.check(t, fmt.Sprint("hidden_states.", len(m.Layers)), m.hf, logitTol)
			worst := 0.0
			for _, p := range m.Params() {
				worst = max(worst, f.check(t, "grad."+p.Name, p.Grad.Data, gradTol))
			}
			t.Logf("worst gradient error %.2e", worst)
		})
	}
}

// The exact Lyapunov exponents of each layer, A[e,n]·mean_t Δ[b,t,e]
// (docs/metrics.md), computed from Deltas and Mixer.A, equal the fixture's.
func TestFixtureLyapunovFromDeltas(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		f := loadFixture(t, seed)
		m := f.m
		m.Forward(precision.FP32Policy, f.ids, f.B, f.T)
		for l, b := range m.Layers {
			E, N, A, delta := b.Mixer.E, b.Mixer.N, b.Mixer.A(), m.Deltas()[l]
			spec, top := make([]float32, f.B*E*N), make([]float32, f.B)
			for bi := 0; bi < f.B; bi++ {
				top[bi] = float32(math.Inf(-1))
				for e := 0; e < E; e++ {
					var mean float64
					for ti := 0; ti < f.T; ti++ {
						mean += float64(delta[(bi*f.T+ti)*E+e])
					}
					mean /= float64(f.T)
					for n := 0; n < N; n++ {
						v := float32(float64(A[e*N+n]) * mean)
						spec[(bi*E+e)*N+n] = v
						top[bi] = max(top[bi], v)
					}
				}
			}
			f.check(t, fmt.Sprint("lyapunov_spectrum.", l), spec, logitTol)
			f.check(t, fmt.Sprint("lyapunov_max.", l), top, logitTol)
		}
	}
}
