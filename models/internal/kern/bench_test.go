package kern

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkScanGroup times one group of 8 channels over 256 steps at N =
// 16 (a chunk-free forward; the backward as 4 chunks of 64), reporting
// state elements (t, e, n) per second and GFLOP/s at the nominal 8 flops
// per element forward (exp as one; ssmlab bench's count) and 16 backward
// (the recomputation and the reverse recurrence).
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
			b.ReportMetric(8*elems*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if accel && hasAVX512 { // two groups a call: elements counted for both
			b.Run("fwd16/"+name, func(b *testing.B) {
				defer SetAccelerated(SetAccelerated(accel))
				c2 := newCase(r, 256, 16, 256, 2*Lanes)
				for i := range c2.dt {
					c2.dt[i] = float32(r.NormFloat64())
				}
				f := c2.fwd(make([]float32, 2*c2.N*Lanes))
				for i := 0; i < b.N; i++ {
					ScanFwd(f)
				}
				b.ReportMetric(2*elems*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
				b.ReportMetric(16*elems*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		if accel && hasAVX512 {
			b.Run("bwd16/"+name, func(b *testing.B) {
				defer SetAccelerated(SetAccelerated(accel))
				c2 := newCase(r, 256, 16, 256, 2*Lanes)
				for i := range c2.dt {
					c2.dt[i] = float32(r.NormFloat64())
				}
				s := c2.N * Lanes
				h0 := make([]float32, 2*s)
				f := c2.fwd(append([]float32(nil), h0...))
				ScanFwd(f)
				n, nl := c2.L*c2.E, 64*c2.N*Lanes
				a := &Bwd{H0: h0, DH: make([]float32, 2*s), AT: c2.at, AL2: c2.al2, DA: make([]float32, 2*s),
					Bm: c2.bm, Cm: c2.cm, Dt: c2.dt, U: c2.u, Z: c2.z, DY: c2.dy, Delta: f.Delta, YPre: f.YPre,
					Bias: c2.bias, D: c2.d, DU: make([]float32, n), DDt: make([]float32, n), DZ: make([]float32, n),
					DD: make([]float32, 2*Lanes), DBias: make([]float32, 2*Lanes),
					LaneB: make([]float32, nl), LaneC: make([]float32, nl),
					HS: make([]float32, BwdScratch(64, c2.N)), DAs: make([]float32, BwdScratch(64, c2.N)),
					Len: 64, N: c2.N, E: c2.E, W: 2 * Lanes}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for k := 0; k < c2.L/64; k++ {
						ScanBwd(a)
					}
				}
				b.ReportMetric(2*elems*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
				b.ReportMetric(32*elems*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
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
			b.ReportMetric(16*elems*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkElementwise reports GB/s (bytes read and written) of the
// vectorised elementwise kernels on 1 Mi floats, "asm" and "go" side by
// side; copy (memmove) is the bandwidth they are compared with.
func BenchmarkElementwise(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 1 << 20
	x, y, d := randSlice(r, n, 2), randSlice(r, n, 1), make([]float32, n)
	var sink float64
	for _, k := range []struct {
		name  string
		bytes int
		fn    func()
	}{
		{"copy", 8, func() { copy(d, x) }},
		{"SiLU", 8, func() { SiLU(d, x) }},
		{"SiLUBackward", 12, func() { SiLUBackward(d, y, x) }},
		{"GELU", 8, func() { GELU(d, x) }},
		{"GELUBackward", 12, func() { GELUBackward(d, y, x) }},
		{"ExpShift", 8, func() { sink += ExpShift(d, x, 3) }},
		{"Max", 4, func() { sink += float64(Max(x)) }},
		{"Dot", 8, func() { sink += float64(Dot(x, y)) }},
		{"Add", 12, func() { Add(d, x, y) }},
		{"Axpy", 12, func() { Axpy(0.5, x, d) }},
	} {
		for _, accel := range []bool{true, false} {
			if k.name == "copy" && !accel {
				continue
			}
			b.Run(k.name+map[bool]string{true: "/asm", false: "/go"}[accel], func(b *testing.B) {
				defer SetAccelerated(SetAccelerated(accel))
				for i := 0; i < b.N; i++ {
					k.fn()
				}
				b.ReportMetric(float64(k.bytes*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
	_ = sink
}

// BenchmarkConv times the depthwise causal convolution of one sequence
// (L 256, E 256, K 4) forward and backward, reporting GFLOP/s (2 per
// multiply-add: 3 products of L·E·K).
func BenchmarkConv(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	L, E, K := 256, 256, 4
	x, dy, wT, bias := randSlice(r, L*E, 1), randSlice(r, L*E, 1), randSlice(r, K*E, 1), randSlice(r, E, 1)
	y, dx, dw, db := make([]float32, L*E), make([]float32, L*E), make([]float32, K*E), make([]float32, E)
	for _, accel := range []bool{true, false} {
		b.Run(map[bool]string{true: "asm", false: "go"}[accel], func(b *testing.B) {
			defer SetAccelerated(SetAccelerated(accel))
			for i := 0; i < b.N; i++ {
				ConvFwd(y, x, E, wT, bias, L, E, K)
				ConvBwdData(dx, E, dy, wT, L, E, K)
				ConvBwdWeight(dw, db, dy, x, E, L, E, K)
			}
			b.ReportMetric(6*float64(L*E*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
