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
			ConvFwd(y, x, wT, bias, L, E, K)
			ConvBwdData(dx, dy, wT, L, E, K)
			ConvBwdWeight(dw, db, dy, x, L, E, K)
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
