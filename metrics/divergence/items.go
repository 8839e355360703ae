package divergence

import (
	"fmt"
	"math"
)

// Points returns the mean over i of 100·|ref[i] − other[i]|: the mean
// accuracy divergence, in percentage points, of paired accuracies (cells
// of a table, in the order given). Empty slices give 0.
func Points(ref, other []float64) (float64, error) {
	if len(ref) != len(other) {
		return 0, fmt.Errorf("divergence: %d reference accuracies, %d others", len(ref), len(other))
	}
	var sum float64
	for i, r := range ref {
		sum += 100 * math.Abs(r-other[i])
	}
	return sum / float64(max(len(ref), 1)), nil
}

// Items compares per-item scores (1 correct, 0 wrong, or any score) of the
// same tasks under two precisions: ref[t] and other[t] score the items of
// task t. points is the mean over tasks of 100·|Σ ref[t] − Σ other[t]| /
// items, the task accuracy divergence in percentage points; flip is the
// fraction of all items whose score differs (a divergence of 0 points can
// hide flips that cancel).
func Items(ref, other [][]float64) (points, flip float64, err error) {
	if len(ref) != len(other) {
		return 0, 0, fmt.Errorf("divergence: %d reference tasks, %d others", len(ref), len(other))
	}
	var flips, total int
	for t, a := range ref {
		b := other[t]
		if len(a) != len(b) {
			return 0, 0, fmt.Errorf("divergence: task %d has %d reference items, %d others", t, len(a), len(b))
		}
		var sa, sb float64
		for d := range a {
			sa, sb = sa+a[d], sb+b[d]
			if a[d] != b[d] {
				flips++
			}
			total++
		}
		points += 100 * math.Abs(sa-sb) / float64(max(len(a), 1))
	}
	return points / float64(max(len(ref), 1)), float64(flips) / float64(max(total, 1)), nil
}
