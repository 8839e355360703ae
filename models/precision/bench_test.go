package precision

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRoundSlice rounds 1 Mi floats in place (an activation of the
// small bench model), reporting GB/s read and written; "scalar" is the
// per-element Round loop the vector one must equal.
func BenchmarkRoundSlice(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, 1<<20)
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	for _, d := range []DType{BF16, FP16} {
		for _, vec := range []bool{true, false} {
			name := d.String() + map[bool]string{true: "/vector", false: "/scalar"}[vec]
			b.Run(name, func(b *testing.B) {
				defer func(v bool) { vectorRound = v }(vectorRound)
				vectorRound = vectorRound && vec
				for i := 0; i < b.N; i++ {
					d.RoundSlice(xs)
				}
				b.ReportMetric(8*float64(len(xs))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
