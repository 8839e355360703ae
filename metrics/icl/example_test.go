package icl_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/metrics/icl"
)

func Example() {
	// Per-item correctness of two models on the same 5 items, one seed each.
	mamba := icl.Scores{
		0: {{1, 0, 0, 1, 0}},
		1: {{1, 0, 1, 1, 0}},
		3: {{1, 1, 0, 1, 0}},
		5: {{1, 0, 1, 1, 0}},
	}
	transformer := icl.Scores{
		0: {{0, 1, 0, 0, 0}},
		1: {{1, 1, 0, 1, 0}},
		3: {{1, 1, 1, 0, 1}},
		5: {{1, 1, 1, 1, 0}},
	}
	// Mamba: acc 0.4, 0.6, 0.6, 0.6 -> gain 0.2. Transformer: acc 0.2, 0.6,
	// 0.8, 0.8 -> gain (0.4 + 0.6 + 0.6)/3 = 0.533.
	gm, _ := icl.Gain(mamba.Curve(), icl.DefaultKs)
	gt, _ := icl.Gain(transformer.Curve(), icl.DefaultKs)
	fmt.Printf("gains: mamba %.3f, transformer %.3f\n", gm, gt)
	fmt.Printf("ICL ratio: %v\n", icl.RatioOf(gm, gt))

	iv, _ := icl.GainCI(transformer, icl.DefaultKs, nil, bootstrap.Options{Seed: 1})
	fmt.Printf("transformer gain %.3f, 95%% CI [%.3f, %.3f]\n", iv.Estimate, iv.Lo, iv.Hi)
	// Output:
	// gains: mamba 0.200, transformer 0.533
	// ICL ratio: 37.5%
	// transformer gain 0.533, 95% CI [0.200, 0.800]
}
