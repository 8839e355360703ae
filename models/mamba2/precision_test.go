package mamba2_test

import (
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/precision"
)

// TestAutocastDeviation runs every fixture under fp16 and bf16 autocast and
// compares the deviation from fp32 with the one PyTorch autocast (CUDA)
// shows on the same model.
func TestAutocastDeviation(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		name := filepath.Base(filepath.Dir(dir))
		mdl, err := hf.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		ref := readReference(t, dir)
		ids, B, T := ref.ids(t)
		fp32 := append([]float32(nil), mdl.Forward(precision.FP32Policy, ids, B, T)...)
		want32 := ref.floats(t, "logits")
		for _, p := range []struct {
			pol  precision.Policy
			name string
		}{{precision.FP16AMP, "fp16"}, {precision.BF16AMP, "bf16"}} {
			ours := mdl.Forward(p.pol, ids, B, T)
			theirs := ref.floats(t, "logits_autocast_"+p.name)
			devOurs, devTheirs := maxAbsDiff(ours, fp32), maxAbsDiff(theirs, want32)
			t.Logf("%s %s: max|logit − fp32| ours %.3g, PyTorch autocast %.3g; ours vs PyTorch autocast %.3g",
				name, p.name, devOurs, devTheirs, maxAbsDiff(ours, theirs))
			if devOurs < devTheirs/2 || devOurs > 2*devTheirs {
				t.Errorf("%s %s: deviation %.3g from fp32 is not of the size PyTorch shows (%.3g)", name, p.name, devOurs, devTheirs)
			}
			if d := maxAbsDiff(ours, theirs); d > devTheirs {
				t.Errorf("%s %s: ours and PyTorch's autocast logits differ by %.3g, more than autocast moves them (%.3g)", name, p.name, d, devTheirs)
			}
		}
	}
}
