// Package stats holds the descriptive statistics the experiments and the
// figures share (the bootstrap's resampling is in metrics/bootstrap).
package stats

import (
	"math"
	"sort"
)

// Quantile returns the q-quantile of xs (linear interpolation between
// order statistics, numpy's default; NaN for none). xs is not modified.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}
