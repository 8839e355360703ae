package precision

import (
	"math"
	"testing"
)

func TestLossScalerSemantics(t *testing.T) {
	s := NewLossScaler(true)
	if s.LossScale() != 65536 {
		t.Fatalf("init scale %v, want 2^16", s.LossScale())
	}
	// an overflow halves the scale and skips
	g := [][]float32{{65536, float32(math.Inf(1))}}
	if !s.Unscale(g) {
		t.Fatal("Inf not found")
	}
	if g[0][0] != 1 {
		t.Fatalf("unscale gave %v, want 1", g[0][0])
	}
	if !s.Update(true) || s.Scale != 32768 || s.Skipped != 1 {
		t.Fatalf("after overflow: scale %v skipped %d", s.Scale, s.Skipped)
	}
	// 1999 good steps keep the scale, the 2000th doubles it
	for i := 0; i < 1999; i++ {
		if s.Update(false) {
			t.Fatal("good step skipped")
		}
	}
	if s.Scale != 32768 {
		t.Fatalf("scale grew early: %v", s.Scale)
	}
	s.Update(false)
	if s.Scale != 65536 || s.GoodSteps != 0 {
		t.Fatalf("after 2000 good steps: scale %v, good %d", s.Scale, s.GoodSteps)
	}
	// a NaN also backs off and resets the streak
	s.Update(false)
	if !s.Unscale([][]float32{{float32(math.NaN())}}) || !s.Update(true) || s.GoodSteps != 0 || s.Scale != 32768 {
		t.Fatal("NaN handling")
	}
	off := NewLossScaler(false)
	if off.LossScale() != 1 || off.Update(true) {
		t.Fatal("disabled scaler must never skip and scale by 1")
	}
}
