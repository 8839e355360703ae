package transformer_test

import (
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Under fp16/bf16 autocast our logits move away from fp32 by about as much
// as HF's logits under torch.autocast on CUDA move (the fixture's
// logits_autocast_*): the emulation rounds where autocast rounds. The two
// 16-bit runs are not bit-identical (different kernels, and HF's default
// SDPA attention does not round the scores), so the check is on the size
// of the deviation.
func TestHalfPrecisionDeviationMatchesAutocast(t *testing.T) {
	for _, arch := range []string{"gpt_neox", "llama"} {
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
