package summary

import "github.com/ssmlab/ssmlab/internal/jsonnum"

// Float is a float64 that survives JSON, the one convention of every
// results file (package internal/jsonnum): NaN is written as null, ±Inf as
// the strings "+Inf" and "-Inf". Results do hold them (a rate fitted to
// fewer than two points, the −∞ exponent of a shift register, a diverged
// loss, logits that overflowed in fp16).
type Float = jsonnum.Float

// NaN is Float(math.NaN()).
func NaN() Float { return jsonnum.NaN() }

// Floats converts a float64 slice.
func Floats(xs []float64) []Float {
	out := make([]Float, len(xs))
	for i, x := range xs {
		out[i] = Float(x)
	}
	return out
}
