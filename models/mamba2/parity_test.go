package mamba2_test

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// TestFixtureParity compares logits, loss, every gradient and the hidden
// states with HF Mamba2ForCausalLM (PyTorch, fp32) on every fixture.
func TestFixtureParity(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		for _, scan := range []struct {
			s    mamba2.Scan
			name string
		}{{mamba2.Chunked, "chunked"}, {mamba2.Recurrent, "recurrent"}} {
			name := filepath.Base(filepath.Dir(dir)) + "/" + scan.name
			t.Run(name, func(t *testing.T) {
				mdl, err := hf.Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				m := mdl.(*mamba2.Model)
				m.SetScan(scan.s)
				ref := readReference(t, dir)
				ids, B, T := ref.ids(t)
				pol := precision.FP32Policy
				nn.ZeroGrads(m.Params())
				loss := lm.Loss(m, pol, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
				logits := m.Forward(pol, ids, B, T) // same values; Loss's buffer is reused
				if e := relMaxErr(logits, ref.floats(t, "logits")); e > 2e-5 {
					t.Errorf("logits: relative error %.3g > 2e-5", e)
				} else {
					t.Logf("logits: relative error %.3g", e)
				}
				wantLoss := float64(ref.floats(t, "loss")[0])
				if e := math.Abs(loss-wantLoss) / math.Abs(wantLoss); e > 2e-5 {
					t.Errorf("loss %.7g, want %.7g: relative error %.3g > 2e-5", loss, wantLoss, e)
				} else {
					t.Logf("loss: relative error %.3g", e)
				}
				for i := 0; ; i++ {
					nameH := "hidden_states." + strconv.Itoa(i)
					if !ref.f.Has(nameH) {
						break
					}
					if e := relMaxErr(m.HiddenState(i), ref.floats(t, nameH)); e > 2e-5 {
						t.Errorf("%s: relative error %.3g", nameH, e)
					}
				}
				worst, worstName := 0.0, ""
				for _, p := range m.Params() {
					want := ref.floats(t, "grad."+p.Name)
					e := relMaxErr(p.G(), want)
					if e > worst {
						worst, worstName = e, p.Name
					}
					if e > 2e-3 {
						t.Errorf("grad %s: relative error %.3g > 2e-3", p.Name, e)
					}
				}
				t.Logf("worst gradient: %s, relative error %.3g", worstName, worst)
			})
		}
	}
}
