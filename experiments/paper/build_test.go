package paper

import (
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

func TestBuildModelEveryArch(t *testing.T) {
	specs := []config.Model{
		{Arch: "mamba", Spec: models.Spec{DModel: 16, Layers: 2}},
		{Arch: "mamba2", Spec: models.Spec{DModel: 16, Layers: 2, DState: 8, HeadDim: 8}},
		{Arch: "gpt_neox", Spec: models.Spec{DModel: 16, Layers: 2, Heads: 2}},
		{Arch: "llama", Spec: models.Spec{DModel: 16, Layers: 2, Heads: 2}},
		{Arch: "rnn", Spec: models.Spec{DModel: 16, Radius: 2}},
	}
	for _, s := range specs {
		s.Fill()
		m, err := BuildModel(&s, 40, 1)
		if err != nil {
			t.Fatalf("%s: %v", s.Arch, err)
		}
		if m.VocabSize() != 40 || ParamCount(m) == 0 {
			t.Fatalf("%s: vocab %d params %d", s.Arch, m.VocabSize(), ParamCount(m))
		}
		ids := []int{1, 2, 3, 4, 5, 6}
		a := lm.Loss(m, precision.FP32Policy, ids, nn.ShiftLabels(ids, 1, 6), 1, 6, false, 1)
		m2, _ := BuildModel(&s, 40, 1)
		b := lm.Loss(m2, precision.FP32Policy, ids, nn.ShiftLabels(ids, 1, 6), 1, 6, false, 1)
		m3, _ := BuildModel(&s, 40, 2)
		c := lm.Loss(m3, precision.FP32Policy, ids, nn.ShiftLabels(ids, 1, 6), 1, 6, false, 1)
		if a != b || a == c {
			t.Fatalf("%s: same seed %v %v, other seed %v", s.Arch, a, b, c)
		}
	}
	if _, err := BuildModel(&config.Model{Arch: "s4", Spec: models.Spec{DModel: 4, Layers: 1}}, 10, 0); err == nil {
		t.Fatal("unknown arch built")
	}
}
