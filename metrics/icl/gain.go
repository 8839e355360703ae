package icl

import (
	"fmt"
	"math"
)

// DefaultKs are the shot counts the paper's ICL gain averages over.
var DefaultKs = []int{1, 3, 5}

// Gain returns the ICL gain mean_{k in ks, k != 0} (acc[k] - acc[0]): how
// much a model gains from in-context examples over zero-shot, in the units of
// acc (fractions; multiply by 100 for points). A k = 0 in ks is ignored.
func Gain(acc map[int]float64, ks []int) (float64, error) {
	a0, ok := acc[0]
	if !ok {
		return 0, fmt.Errorf("icl: the gain needs the zero-shot accuracy (k = 0)")
	}
	sum, n := 0.0, 0
	for _, k := range ks {
		if k == 0 {
			continue
		}
		a, ok := acc[k]
		if !ok {
			return 0, fmt.Errorf("icl: the gain over k = %v needs the %d-shot accuracy", ks, k)
		}
		sum += a - a0
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("icl: no shot count other than 0 in %v", ks)
	}
	return sum / float64(n), nil
}

// Ratio is 100*gain(A)/gain(B): how much of B's ICL gain A achieves, in
// percent (the paper's "Mamba reaches 38% of the Transformer's ICL gain").
// When B gains nothing from shots (gain(B) <= 0) or a gain is not finite, the
// ratio means nothing: Defined is false and Percent is NaN, rather than a huge
// or sign-flipped number.
type Ratio struct {
	Percent float64
	Defined bool
}

// RatioOf returns the ICL ratio of gains a and b.
func RatioOf(gainA, gainB float64) Ratio {
	if !(gainB > 0) || math.IsInf(gainB, 1) || math.IsNaN(gainA) || math.IsInf(gainA, 0) {
		return Ratio{Percent: math.NaN()}
	}
	return Ratio{Percent: 100 * gainA / gainB, Defined: true}
}

func (r Ratio) String() string {
	if !r.Defined {
		return "undefined (denominator gain <= 0)"
	}
	return fmt.Sprintf("%.1f%%", r.Percent)
}
