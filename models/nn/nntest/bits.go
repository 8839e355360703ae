package nntest

import (
	"math"

	"github.com/ssmlab/ssmlab/models/precision"
)

// Policies is every precision policy a model runs under: fp32, bf16 and
// fp16 autocast, and pure bf16 and fp16 weights.
var Policies = []precision.Policy{precision.FP32Policy, precision.BF16AMP, precision.FP16AMP,
	{Compute: precision.BF16, PureWeights: true}, {Compute: precision.FP16, PureWeights: true}}

// FirstBitDiff returns the first index where a and b differ bit for bit
// (NaNs of one payload compare equal), 0 when their lengths differ, or -1
// when they are identical.
func FirstBitDiff(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}
