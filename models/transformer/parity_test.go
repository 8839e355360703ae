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
	for _, arch := range []string{"gpt_neox", "llama", "olmo"} {
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

// Under fp16/bf16 autocast our logits move away from fp32 by about as much
// as HF's logits under torch.autocast on CUDA move (the fixture's
// logits_autocast_*): the emulation rounds where autocast rounds. The two
// 16-bit runs are not bit-identical (different kernels, and HF's default
// SDPA attention does not round the scores), so the check is on the size
// of the deviation.
func TestHalfPrecisionDeviationMatchesAutocast(t *testing.T) {
	for _, arch := range []string{"gpt_neox", "llama", "olmo"} {
		for _, dir := range testfix.Dirs(t, arch) {
			m, err := hf.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := testfix.Reference(t, dir)
			ids, B, T := testfix.IDs(t, ref)
			want := testfix.Float32(t, ref, "logits")
			for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP} {
				name := "logits_autocast_" + pol.Compute.String()
				if !ref.Has(name) {
					t.Logf("%s: no %s", testfix.Name(dir), name)
					continue
				}
				hfHalf := testfix.Float32(t, ref, name)
				got := m.Forward(pol, ids, B, T)
				ours, _ := testfix.RelErr(got, want)
				theirs, _ := testfix.RelErr(hfHalf, want)
				between, _ := testfix.RelErr(got, hfHalf)
				t.Logf("%-14s %s: ours vs fp32 %.2e, HF autocast vs fp32 %.2e, ours vs HF autocast %.2e",
					testfix.Name(dir), pol, ours, theirs, between)
				if ours > 4*theirs || ours < theirs/8 || between > 4*theirs {
					t.Errorf("%s %s: deviation %.2e is not of the size of autocast's %.2e (apart %.2e)",
						testfix.Name(dir), pol, ours, theirs, between)
				}
			}
		}
	}
}
