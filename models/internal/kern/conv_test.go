package kern

import (
	"math/rand/v2"
	"testing"
)

// The assembly convolution kernels equal the Go versions within float32
// rounding (fused multiply-adds), including sequences shorter than K.
func TestConvAsmMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, sz := range [][3]int{{1, 8, 4}, {3, 16, 4}, {37, 24, 4}, {20, 8, 1}, {9, 32, 7}} {
		L, E, K := sz[0], sz[1], sz[2]
		x, dy, wT, bias := randSlice(r, L*E, 1), randSlice(r, L*E, 1), randSlice(r, K*E, 0.5), randSlice(r, E, 0.1)
		run := func(accel bool) (y, dx, dw, db []float32) {
			defer SetAccelerated(SetAccelerated(accel))
			y, dx, dw, db = make([]float32, L*E), make([]float32, L*E), randSlice(rand.New(rand.NewPCG(1, 1)), K*E, 1), make([]float32, E)
			ConvFwd(y, x, E, wT, bias, L, E, K)
			ConvBwdData(dx, E, dy, wT, L, E, K)
			ConvBwdWeight(dw, db, dy, x, E, L, E, K)
			return
		}
		ya, dxa, dwa, dba := run(true)
		yg, dxg, dwg, dbg := run(false)
		for name, p := range map[string][2][]float32{"y": {ya, yg}, "dx": {dxa, dxg}, "dw": {dwa, dwg}, "db": {dba, dbg}} {
			if err := closeTo(name, p[0], p[1], 1e-6, absScale(p[1], float64(L*K)/8)); err != nil {
				t.Fatalf("%v: %v", sz, err)
			}
		}
	}
}

// Strided input and input gradient give the same bits as contiguous ones.
func TestConvStrided(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, accel := range []bool{true, false} {
		old := SetAccelerated(accel)
		L, E, K, s := 21, 16, 4, 40
		x, dy, wT, bias := randSlice(r, L*E, 1), randSlice(r, L*E, 1), randSlice(r, K*E, 0.5), randSlice(r, E, 0.1)
		wide := make([]float32, L*s)
		for i := 0; i < L; i++ {
			copy(wide[i*s+3:i*s+3+E], x[i*E:(i+1)*E])
		}
		y1, y2 := make([]float32, L*E), make([]float32, L*E)
		ConvFwd(y1, x, E, wT, bias, L, E, K)
		ConvFwd(y2, wide[3:], s, wT, bias, L, E, K)
		dx1, dxw := make([]float32, L*E), make([]float32, L*s)
		ConvBwdData(dx1, E, dy, wT, L, E, K)
		ConvBwdData(dxw[3:], s, dy, wT, L, E, K)
		dw1, dw2, db1, db2 := make([]float32, K*E), make([]float32, K*E), make([]float32, E), make([]float32, E)
		ConvBwdWeight(dw1, db1, dy, x, E, L, E, K)
		ConvBwdWeight(dw2, db2, dy, wide[3:], s, L, E, K)
		for i := 0; i < L*E; i++ {
			if y1[i] != y2[i] || dx1[i] != dxw[3+(i/E)*s+i%E] {
				t.Fatalf("accel %v [%d]: y %v/%v dx %v/%v", accel, i, y1[i], y2[i], dx1[i], dxw[3+(i/E)*s+i%E])
			}
		}
		for i := range dw1 {
			if dw1[i] != dw2[i] {
				t.Fatalf("accel %v dw[%d]", accel, i)
			}
		}
		SetAccelerated(old)
	}
}
