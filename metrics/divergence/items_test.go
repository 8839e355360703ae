package divergence

import (
	"math"
	"testing"
)

func TestPointsAndItems(t *testing.T) {
	p, err := Points([]float64{0.5, 0.25}, []float64{0.25, 0.25})
	if err != nil || p != 12.5 {
		t.Fatalf("Points = %v, %v; want 12.5", p, err)
	}
	if _, err := Points([]float64{1}, nil); err == nil {
		t.Error("length mismatch accepted")
	}
	// task 0: 2/4 vs 2/4 correct with two flips that cancel; task 1: 1/2 vs 0/2
	ref := [][]float64{{1, 0, 1, 0}, {1, 0}}
	other := [][]float64{{0, 1, 1, 0}, {0, 0}}
	pts, flip, err := Items(ref, other)
	if err != nil {
		t.Fatal(err)
	}
	if pts != 25 || math.Abs(flip-0.5) > 0 {
		t.Errorf("Items = %v points, %v flips; want 25, 0.5", pts, flip)
	}
	if _, _, err := Items(ref, other[:1]); err == nil {
		t.Error("task count mismatch accepted")
	}
	if _, _, err := Items([][]float64{{1}}, [][]float64{{1, 0}}); err == nil {
		t.Error("item count mismatch accepted")
	}
}
