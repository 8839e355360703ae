package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns |got − want| in units of float32 spacing at want.
func ulps(got float32, want float64) float64 {
	if want == 0 {
		return math.Abs(float64(got)) / 1.4e-45
	}
	sp := math.Abs(float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want)))
	return math.Abs(float64(got)-want) / sp
}

// Exp (Go) and the vector exponential (through ExpShift with m = 0) are
// within 2 ulp of the exact value over the whole normal range.
func TestExpAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(-87 + 175*r.Float64())
	}
	x[0], x[1], x[2] = 0, -87.3, 88.37
	for _, accel := range []bool{false, true} {
		old := SetAccelerated(accel)
		got := make([]float32, len(x))
		sum := ExpShift(got, x, 0)
		var want float64
		for i, v := range x {
			e := math.Exp(float64(v))
			want += float64(got[i])
			if u := ulps(got[i], e); u > 2 {
				t.Errorf("accel %v: exp(%v) = %v, want %v (%.1f ulp)", accel, v, got[i], e, u)
			}
		}
		if want < 1e38 && math.Abs(sum-want) > 1e-6*want { // (float32 lane sums overflow beyond)
			t.Errorf("accel %v: sum %v, want %v", accel, sum, want)
		}
		SetAccelerated(old)
	}
}

// The vector exponential saturates outside its range and keeps NaN.
func TestExpSaturation(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA")
	}
	nan := float32(math.NaN())
	x := []float32{-1000, -90, 89, 1000, nan, float32(math.Inf(-1)), float32(math.Inf(1)), 0}
	got := make([]float32, 8)
	expShiftAVX(&got[0], &x[0], 8, 0)
	for i, v := range got[:4] {
		if !(v > 0) || math.IsInf(float64(v), 0) || (i < 2 && v > 1.2e-38) || (i >= 2 && v < 2e38) {
			t.Errorf("exp(%v) = %v: want saturation at 2^-126 or 2.4e38", x[i], v)
		}
	}
	if got[4] == got[4] {
		t.Errorf("exp(NaN) = %v", got[4])
	}
	if got[7] != 1 {
		t.Errorf("exp(0) = %v", got[7])
	}
}

// The vectorised elementwise kernels equal their Go versions within a few
// ulps, at lengths with and without a tail.
func TestElementwiseAsmMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 9, 64, 1001} {
		x, dy := randSlice(r, n, 4), randSlice(r, n, 1)
		x[0] = 30
		run := func(accel bool) (y, dx []float32, m float32, s float64, e []float32) {
			defer SetAccelerated(SetAccelerated(accel))
			y, dx, e = make([]float32, n), make([]float32, n), make([]float32, n)
			SiLU(y, x)
			SiLUBackward(dx, dy, x)
			m = Max(x)
			s = ExpShift(e, x, m)
			return
		}
		ya, dxa, ma, sa, ea := run(true)
		yg, dxg, mg, sg, eg := run(false)
		if ma != mg || math.Abs(sa-sg) > 1e-6*sg {
			t.Fatalf("n %d: max %v/%v, sum %v/%v", n, ma, mg, sa, sg)
		}
		dyScale := absScale(dy, 0) // silu' = dy·(...) with cancellation inside: compare to |dy|
		for name, p := range map[string][2][]float32{"silu": {ya, yg}, "silu'": {dxa, dxg}, "exp": {ea, eg}} {
			scale := absScale(p[1], 1e-6)
			if name == "silu'" {
				scale = dyScale
			}
			if err := closeTo(name, p[0], p[1], 3e-7, scale); err != nil {
				t.Fatalf("n %d: %v", n, err)
			}
		}
	}
}

// The vector GELU is within 2e-7 of x·Φ(x) absolutely (Φ to 1e-7, the
// erf approximation PyTorch's vectorised kernel uses), its derivative
// within 4e-7·|dy|, and the tail x < 0 stays within 5% relative (the
// formula has no cancellation there).
func TestGELUAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 4099
	x, dy := randSlice(r, n, 3), randSlice(r, n, 1)
	x[0], x[1], x[2], x[3] = 0, -8, 8, -0.5
	for _, accel := range []bool{false, true} {
		old := SetAccelerated(accel)
		y, dx := make([]float32, n), make([]float32, n)
		GELU(y, x)
		GELUBackward(dx, dy, x)
		SetAccelerated(old)
		for i, v := range x {
			xv := float64(v)
			cdf := 0.5 * math.Erfc(-xv/math.Sqrt2)
			want := xv * cdf
			if d := math.Abs(float64(y[i]) - want); d > 2e-7*math.Max(1, math.Abs(xv)) || (xv < -1 && d > 5e-2*math.Abs(want)) {
				t.Fatalf("accel %v: gelu(%v) = %v, want %v", accel, v, y[i], want)
			}
			g := cdf + xv*math.Exp(-xv*xv/2)/math.Sqrt(2*math.Pi)
			if d := math.Abs(float64(dx[i]) - float64(dy[i])*g); d > 4e-7*math.Abs(float64(dy[i]))*math.Max(1, math.Abs(xv)) {
				t.Fatalf("accel %v: gelu'(%v)·%v = %v, want %v", accel, v, dy[i], dx[i], float64(dy[i])*g)
			}
		}
	}
}

// The softmax helpers equal their Go versions within float32 rounding.
func TestSoftmaxKernelsAsmMatchGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 8, 13, 256, 257} {
		x, p, dp := randSlice(r, n, 3), randSlice(r, n, 1), randSlice(r, n, 1)
		run := func(accel bool) (e, ds, sc []float32, s float64, dot float32) {
			defer SetAccelerated(SetAccelerated(accel))
			e, ds, sc = make([]float32, n), make([]float32, n), append([]float32(nil), x...)
			s = ExpScaleShift(e, x, 0.125, Max(x)*0.125)
			dot = Dot(p, dp)
			SoftmaxBackward(ds, p, dp, dot, 0.125)
			Scale(sc, 1.5)
			return
		}
		ea, dsa, sca, sa, da := run(true)
		eg, dsg, scg, sg, dg := run(false)
		if math.Abs(sa-sg) > 1e-6*sg || math.Abs(float64(da-dg)) > 1e-6*float64(n) {
			t.Fatalf("n %d: sum %v/%v dot %v/%v", n, sa, sg, da, dg)
		}
		for name, c := range map[string][2][]float32{"exp": {ea, eg}, "scale": {sca, scg}} {
			if err := closeTo(name, c[0], c[1], 3e-7, absScale(c[1], 0)); err != nil {
				t.Fatalf("n %d: %v", n, err)
			}
		}
		if err := closeTo("ds", dsa, dsg, 1e-6, absScale(dsg, float64(n)/16)); err != nil { // the lane order of dot shifts every ds
			t.Fatalf("n %d: %v", n, err)
		}
	}
}

// The vector arithmetic is bit-identical to the Go loops (no fused
// multiply-add in Axpy).
func TestArithmeticBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 3, 8, 29, 1024} {
		a, b := randSlice(r, n, 3), randSlice(r, n, 3)
		run := func(accel bool) [][]float32 {
			defer SetAccelerated(SetAccelerated(accel))
			s, m, y, c := make([]float32, n), make([]float32, n), append([]float32(nil), b...), append([]float32(nil), a...)
			Add(s, a, b)
			Mul(m, a, b)
			Axpy(0.37, a, y)
			Scale(c, 1.7)
			return [][]float32{s, m, y, c}
		}
		got, want := run(true), run(false)
		for k := range got {
			for i := range got[k] {
				if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
					t.Fatalf("n %d op %d [%d]: %v, Go %v", n, k, i, got[k][i], want[k][i])
				}
			}
		}
	}
}

// The vector AdamW update gives the same bits as the Go loop.
func TestAdamWBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{5, 8, 1003} {
		w, g, m, v := randSlice(r, n, 1), randSlice(r, n, 1), randSlice(r, n, 0.1), randSlice(r, n, 0.01)
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i])))
		}
		run := func(accel bool) [][]float32 {
			defer SetAccelerated(SetAccelerated(accel))
			ww, mm, vv := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			for range 3 {
				AdamW(ww, g, mm, vv, 0.1, 0.999, 0.001, 0.0447, 1e-8, 3e-4)
			}
			return [][]float32{ww, mm, vv}
		}
		got, want := run(true), run(false)
		for k := range got {
			for i := range got[k] {
				if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
					t.Fatalf("n %d array %d [%d]: %v, Go %v", n, k, i, got[k][i], want[k][i])
				}
			}
		}
	}
}

// SumRows equals adding the rows one by one (bit for bit), for block widths
// that exercise the 64- and 8-column loops and the scalar tail, with the
// assembly and without.
func TestSumRows(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, accel := range []bool{true, false} {
		func() {
			defer SetAccelerated(SetAccelerated(accel))
			for _, sz := range [][3]int{{1, 1, 1}, {1, 70, 70}, {5, 3, 9}, {33, 64, 64}, {100, 137, 140}, {2048, 512, 512}} {
				n, w, stride := sz[0], sz[1], sz[2]
				x := randSlice(r, (n-1)*stride+w, 3)
				want := append([]float32(nil), x[:w]...)
				for row := 1; row < n; row++ {
					for j := range want {
						want[j] += x[row*stride+j]
					}
				}
				got := make([]float32, w)
				SumRows(got, x, n, stride)
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("accel=%v %v: column %d = %v, want %v", accel, sz, j, got[j], want[j])
					}
				}
			}
		}()
	}
}
