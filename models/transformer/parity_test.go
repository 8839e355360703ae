package transformer_test

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// gradNames maps our checkpoint names to the fixture's grad.<name> where HF's
// module name differs from its checkpoint name (transformers 5 calls
// GPT-NeoX's embed_out lm_head inside the model).
var gradNames = map[string]string{"embed_out.weight": "lm_head.weight"}

// run returns logits, loss and gradients of m on ids under pol.
func run(m lm.Model, pol precision.Policy, ids []int, B, T int) ([]float32, float64) {
	nn.ZeroGrads(m.Params())
	logits := m.Forward(pol, ids, B, T)
	d := make([]float32, len(logits))
	loss, _ := nn.CrossEntropy(d, logits, nn.ShiftLabels(ids, B, T), B*T, m.VocabSize(), 1)
	pol.Act(d)
	m.Backward(pol, d)
	return logits, loss
}

// Logits, loss and every gradient agree with HF transformers on every
// fixture under testdata/fixtures (fp32).
func TestFixtureParity(t *testing.T) {
	for _, arch := range []string{"gpt_neox", "llama"} {
		for _, dir := range testfix.Dirs(t, arch) {
			t.Run(testfix.Name(dir), func(t *testing.T) {
				m, err := hf.Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				ref := testfix.Reference(t, dir)
				ids, B, T := testfix.IDs(t, ref)
				logits, loss := run(m, precision.FP32Policy, ids, B, T)
				el := testfix.Close(t, "logits", logits, testfix.Float32(t, ref, "logits"), 2e-5)
				wantLoss := float64(testfix.Float32(t, ref, "loss")[0])
				if e := math.Abs(loss-wantLoss) / math.Abs(wantLoss); e > 2e-5 {
					t.Errorf("loss %.7g, want %.7g", loss, wantLoss)
				}
				worst, worstName := 0.0, ""
				for _, p := range m.Params() {
					name := "grad." + p.Name
					if !ref.Has(name) {
						name = "grad." + gradNames[p.Name]
					}
					e := testfix.Close(t, name, p.G(), testfix.Float32(t, ref, name), 2e-3)
					if e > worst {
						worst, worstName = e, p.Name
					}
				}
				t.Logf("logits %.2g, loss %.2g, worst gradient %.2g (%s)", el,
					math.Abs(loss-wantLoss)/math.Abs(wantLoss), worst, worstName)
			})
		}
	}
}
