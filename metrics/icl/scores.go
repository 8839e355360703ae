package icl

import (
	"fmt"
	"math"
	"slices"
)

// Scores are one model's per-item results: Scores[k][s][i] is the score of
// item i with k shots under seed s, 1 for correct and 0 for wrong (partial
// credit allowed). Every k has the same seeds and the same items in the same
// order: items are paired across k, which the gain's interval relies on.
type Scores map[int][][]float64

// Dims checks the shape and returns the number of seeds and items.
func (s Scores) Dims() (seeds, items int, err error) {
	if len(s) == 0 {
		return 0, 0, fmt.Errorf("icl: no scores")
	}
	first := true
	for _, k := range s.Ks() {
		rows := s[k]
		if first {
			seeds, first = len(rows), false
			if seeds == 0 || len(rows[0]) == 0 {
				return 0, 0, fmt.Errorf("icl: %d-shot scores are empty", k)
			}
			items = len(rows[0])
		}
		if len(rows) != seeds {
			return 0, 0, fmt.Errorf("icl: %d-shot scores have %d seeds, others %d", k, len(rows), seeds)
		}
		for j, r := range rows {
			if len(r) != items {
				return 0, 0, fmt.Errorf("icl: %d-shot scores, seed %d: %d items, others %d", k, j, len(r), items)
			}
		}
	}
	return seeds, items, nil
}

// Ks returns the shot counts present, in increasing order.
func (s Scores) Ks() []int {
	ks := make([]int, 0, len(s))
	for k := range s {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Accuracy returns acc_k, the mean over seeds of the mean over items; NaN if
// k has no scores.
func (s Scores) Accuracy(k int) float64 {
	rows, ok := s[k]
	if !ok || len(rows) == 0 {
		return math.NaN()
	}
	total := 0.0
	for _, r := range rows {
		total += mean(r)
	}
	return total / float64(len(rows))
}

// Curve returns acc_k for every k present.
func (s Scores) Curve() map[int]float64 {
	c := make(map[int]float64, len(s))
	for k := range s {
		c[k] = s.Accuracy(k)
	}
	return c
}

func mean(x []float64) float64 {
	t := 0.0
	for _, v := range x {
		t += v
	}
	return t / float64(len(x))
}
