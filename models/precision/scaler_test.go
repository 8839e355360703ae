package precision

import (
	"math"
	"runtime"
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

// Unscale over many chunks (several goroutines) scales every value and
// finds one Inf or NaN wherever it is, enabled or not.
func TestUnscaleLarge(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	mk := func() [][]float32 {
		g := [][]float32{make([]float32, 300000), make([]float32, 5), make([]float32, 1<<17)}
		for _, x := range g {
			for i := range x {
				x[i] = float32(i%7) * 1024
			}
		}
		return g
	}
	on := NewLossScaler(true)
	g := mk()
	if on.Unscale(g) {
		t.Fatal("finite gradients reported non-finite")
	}
	for _, x := range g {
		for i, v := range x {
			if want := float32(i%7) / 64; v != want {
				t.Fatalf("unscaled value %v, want %v", v, want)
			}
		}
	}
	for _, bad := range []float32{float32(math.Inf(-1)), float32(math.NaN())} {
		for _, where := range [][2]int{{0, 299999}, {1, 0}, {2, 1 << 16}} {
			for _, enabled := range []bool{true, false} {
				g := mk()
				g[where[0]][where[1]] = bad
				if !NewLossScaler(enabled).Unscale(g) {
					t.Fatalf("%v at %v (enabled %v) not found", bad, where, enabled)
				}
			}
		}
	}
	off := NewLossScaler(false)
	g = mk()
	if off.Unscale(g) || g[0][6] != 6*1024 {
		t.Fatal("disabled scaler changed or misjudged finite gradients")
	}
}
