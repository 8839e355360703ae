package tensor

import "testing"

// The clock counts products only while it runs, threaded and serial ones
// apart.
func TestProductClock(t *testing.T) {
	const n = 96
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	Gemm(false, false, n, n, n, 1, a, b, 0, c) // not counted: the clock is off
	StartProductClock()
	if w, s := StopProductClock(); w != 0 || s != 0 {
		t.Fatalf("a started clock is not zero: %v %v", w, s)
	}
	StartProductClock()
	for range 3 {
		Gemm(false, true, n, n, n, 1, a, b, 0, c)
	}
	w, s := StopProductClock()
	if w <= 0 || s != 0 {
		t.Errorf("after Gemm: wall %v, serial %v; want wall > 0, serial 0", w, s)
	}
	Gemm(false, false, n, n, n, 1, a, b, 0, c)
	GemmSerial(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	if w2, s2 := StopProductClock(); w2 != w || s2 != 0 {
		t.Errorf("a stopped clock moved: %v %v, was %v 0", w2, s2, w)
	}
	StartProductClock()
	GemmSerial(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	if w, s := StopProductClock(); w != 0 || s <= 0 {
		t.Errorf("after GemmSerial: wall %v, serial %v; want wall 0, serial > 0", w, s)
	}
}
