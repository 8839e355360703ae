package precision

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"
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

// BenchmarkFused times the fused 16-bit passes on one cache-sized block
// (4096 values, as callers hand them over) against the separate passes
// they replace, reporting GB/s of the values read and written once.
func BenchmarkFused(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 4096
	src, acc, tmp := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range src {
		src[i], acc[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	report := func(b *testing.B, bytesPerValue int) {
		b.ReportMetric(float64(bytesPerValue*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	}
	for _, d := range []DType{BF16, FP16} {
		b.Run(d.String()+"/RoundTo", func(b *testing.B) {
			for b.Loop() {
				d.RoundTo(tmp, src)
			}
			report(b, 8)
		})
		b.Run(d.String()+"/copy+RoundSlice", func(b *testing.B) {
			for b.Loop() {
				copy(tmp, src)
				d.RoundSlice(tmp)
			}
			report(b, 8)
		})
		b.Run(d.String()+"/AddScaled", func(b *testing.B) {
			for b.Loop() {
				copy(tmp, acc) // keeps the values from growing; both variants pay it
				d.AddScaled(tmp, src, 0.5)
			}
			report(b, 12)
		})
		b.Run(d.String()+"/separate", func(b *testing.B) {
			t2 := make([]float32, n)
			for b.Loop() {
				copy(tmp, acc)
				copy(t2, src)
				d.RoundSlice(t2)
				kern.Scale(t2, 0.5)
				d.RoundSlice(t2)
				kern.Add(tmp, tmp, t2)
				d.RoundSlice(tmp)
			}
			report(b, 12)
		})
	}
}
