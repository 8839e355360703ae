package mamba

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expf is within 2 ulp of the correctly rounded exp over float32's range,
// including subnormal results, overflow and NaN.
func TestExpfAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(x float32) {
		got, want := expf(x), float32(math.Exp(float64(x)))
		if want == 0 || math.IsInf(float64(want), 0) || want < 1.2e-38 {
			if math.Abs(float64(got-want)) > 2e-45*4 && !(math.IsInf(float64(want), 1) && math.IsInf(float64(got), 1)) {
				t.Fatalf("expf(%v) = %v, want %v", x, got, want)
			}
			return
		}
		if d := int64(math.Float32bits(got)) - int64(math.Float32bits(want)); d > 2 || d < -2 {
			t.Fatalf("expf(%v) = %v, want %v (%d ulp)", x, got, want, d)
		}
	}
	for i := 0; i < 1_000_000; i++ {
		check(float32(r.Float64()*193 - 104))
		check(float32(r.NormFloat64()))
	}
	for _, x := range []float32{0, -0, 1, -1, 88.72, 88.7228, 88.73, -87.3, -103, -103.97, -104, -200, 200} {
		check(x)
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Fatal("expf(NaN) is not NaN")
	}
}

func BenchmarkExpf(b *testing.B) {
	x := float32(-0.37)
	var s float32
	for i := 0; i < b.N; i++ {
		s += expf(x)
		x -= 1e-7
	}
	_ = s
}
