package kern

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkScanGroup times one group of 8 channels over 256 steps at N =
// 16 (a chunk-free forward; the backward as 4 chunks of 64), single
// threaded, reporting state elements (t, e, n) per second.
func BenchmarkScanGroup(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	c := newCase(r, 256, 16, 256, Lanes)
	for i := range c.dt { // typical magnitudes only: the extremes of the tests hit subnormals
		c.dt[i] = float32(r.NormFloat64())
	}
	elems := float64(c.L * Lanes * c.N)
	for _, accel := range []bool{true, false} {
		name := map[bool]string{true: "asm", false: "go"}[accel]
		b.Run("fwd/"+name, func(b *testing.B) {
			defer SetAccelerated(SetAccelerated(accel))
			h := make([]float32, c.N*Lanes)
			f := c.fwd(h)
			for i := 0; i < b.N; i++ {
				ScanFwd(f)
			}
			b.ReportMetric(elems*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
		b.Run("bwd/"+name, func(b *testing.B) {
			defer SetAccelerated(SetAccelerated(accel))
			h0 := make([]float32, c.N*Lanes)
			f := c.fwd(append([]float32(nil), h0...))
			ScanFwd(f)
			n, nl := c.L*c.E, 64*c.N*Lanes
			a := &Bwd{H0: h0, DH: make([]float32, c.N*Lanes), AT: c.at, AL2: c.al2, DA: make([]float32, c.N*Lanes),
				Bm: c.bm, Cm: c.cm, Dt: c.dt, U: c.u, Z: c.z, DY: c.dy, Delta: f.Delta, YPre: f.YPre,
				Bias: c.bias, D: c.d, DU: make([]float32, n), DDt: make([]float32, n), DZ: make([]float32, n),
				DD: make([]float32, Lanes), DBias: make([]float32, Lanes),
				LaneB: make([]float32, nl), LaneC: make([]float32, nl), HS: make([]float32, nl), DAs: make([]float32, nl),
				Len: 64, N: c.N, E: c.E, W: Lanes}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := 0; k < c.L/64; k++ { // four chunks (all from h0: the cost is the same)
					ScanBwd(a)
				}
			}
			b.ReportMetric(elems*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}
