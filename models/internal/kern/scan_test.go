package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The assembly reads Fwd and Bwd by offset: slices first, 24 bytes each,
// then the ints.
func TestLayout(t *testing.T) {
	var f Fwd
	var b Bwd
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"Fwd.AL2", unsafe.Offsetof(f.AL2), 2 * 24}, {"Fwd.Y", unsafe.Offsetof(f.Y), 12 * 24},
		{"Fwd.Len", unsafe.Offsetof(f.Len), 13 * 24}, {"Fwd.E", unsafe.Offsetof(f.E), 13*24 + 16},
		{"Fwd.ZS", unsafe.Offsetof(f.ZS), 13*24 + 32}, {"Bwd.ZS", unsafe.Offsetof(b.ZS), 24*24 + 32},
		{"Bwd.AL2", unsafe.Offsetof(b.AL2), 3 * 24}, {"Bwd.DAs", unsafe.Offsetof(b.DAs), 23 * 24},
		{"Bwd.Len", unsafe.Offsetof(b.Len), 24 * 24}, {"Bwd.E", unsafe.Offsetof(b.E), 24*24 + 16},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, the assembly expects %d", c.name, c.got, c.want)
		}
	}
}

func randSlice(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(scale * r.NormFloat64())
	}
	return x
}

// scanCase is one group's inputs over L steps with the magnitudes a trained
// layer sees (Δ around 0.01..1, A = −1..−N perturbed), plus extremes: dt
// far above the softplus threshold and far below (Δ → 0).
type scanCase struct {
	L, N, E, W         int
	at, al2, bm, cm    []float32
	dt, u, z, dy, bias []float32
	d                  []float32
}

func newCase(r *rand.Rand, L, N, E, W int) *scanCase {
	lanes := max(Lanes, (W+Lanes-1)/Lanes*Lanes) // one block of 8, or two for a pair
	c := &scanCase{L: L, N: N, E: E, W: W,
		at: make([]float32, N*lanes), bm: randSlice(r, L*N, 1), cm: randSlice(r, L*N, 1),
		dt: randSlice(r, L*E, 1), u: randSlice(r, L*E, 1), z: randSlice(r, L*E, 2), dy: randSlice(r, L*E, 1),
		bias: make([]float32, lanes), d: randSlice(r, lanes, 0.3)}
	for j := 0; j < lanes; j++ {
		c.bias[j] = float32(math.Log(math.Expm1(0.01 + r.Float64())))
		for n := 0; n < N; n++ {
			c.at[blockIndex(N, n, j)] = -float32(float64(n+1) * math.Exp(0.1*r.NormFloat64()))
		}
	}
	c.al2 = make([]float32, len(c.at))
	for i, v := range c.at {
		c.al2[i] = v * Log2E
	}
	for i := 0; i < len(c.dt); i += 7 {
		c.dt[i] = float32(15 + 20*r.Float64()) // around and above the threshold
	}
	for i := 3; i < len(c.dt); i += 11 {
		c.dt[i] = -float32(10 + 80*r.Float64()) // Δ from 4e-5 down to 1e-39
	}
	return c
}

func (c *scanCase) fwd(h []float32) *Fwd {
	n := c.L * c.E
	return &Fwd{H: h, AT: c.at, AL2: c.al2, Bm: c.bm, Cm: c.cm, Dt: c.dt, U: c.u, Z: c.z, Bias: c.bias, D: c.d,
		Delta: make([]float32, n), YPre: make([]float32, n), Y: make([]float32, n), Len: c.L, N: c.N, E: c.E, W: c.W}
}

// close reports whether got and want agree within tol relative to the
// scale of the terms (scale[i], or |want| + 1e-6 when scale is nil).
func closeTo(name string, got, want []float32, tol float64, scale []float64) error {
	for i := range want {
		s := math.Abs(float64(want[i])) + 1e-6
		if scale != nil {
			s = scale[i]
		}
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*s) {
			return fmt.Errorf("%s[%d]: %v, want %v (|diff| %.3g, scale %.3g)", name, i, got[i], want[i], d, s)
		}
	}
	return nil
}

// The assembly forward equals the Go definition within a few ulps of the
// terms, for every case, and carries the state in the same layout.
func TestScanFwdAsmMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA here: only the Go version runs")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 8}, {9, 2, 8}, {5, 3, 8}, {7, 5, 16}, {37, 16, 24}, {64, 16, 256}} { // N odd and even: the state loop runs rows in pairs
		c := newCase(r, sz[0], sz[1], sz[2], Lanes)
		h0 := randSlice(r, c.N*Lanes, 1)
		ha, hg := append([]float32(nil), h0...), append([]float32(nil), h0...)
		fa, fg := c.fwd(ha), c.fwd(hg)
		scanFwdAsm(fa)
		scanFwdGo(fg)
		for _, e := range []error{
			closeTo("delta", rows(fa.Delta, c), rows(fg.Delta, c), 4e-7, nil),
			closeTo("h", ha, hg, 2e-6, absScale(hg, 1)),
			closeTo("ypre", rows(fa.YPre, c), rows(fg.YPre, c), 1e-5, absScale(rows(fg.YPre, c), 1)),
			closeTo("y", rows(fa.Y, c), rows(fg.Y, c), 1e-5, absScale(rows(fg.Y, c), 1)),
		} {
			if e != nil {
				t.Fatalf("%v: %v", sz, e)
			}
		}
	}
}

// rows picks the group's W columns of every step out of a (L, E) tensor.
func rows(x []float32, c *scanCase) []float32 {
	var out []float32
	for t := 0; t < c.L; t++ {
		out = append(out, x[t*c.E:t*c.E+c.W]...)
	}
	return out
}

func absScale(x []float32, floor float64) []float64 {
	s := make([]float64, len(x))
	for i, v := range x {
		s[i] = math.Abs(float64(v)) + floor
	}
	return s
}

// bwd runs the forward from h0 to get Δ and y_pre, then the backward over
// the whole sequence as chunks of length chunk, through run.
func (c *scanCase) bwd(h0 []float32, chunk int, fwd func(*Fwd), run func(*Bwd)) *Bwd {
	h := append([]float32(nil), h0...)
	f := c.fwd(h)
	ckpt := [][]float32{}
	for t0 := 0; t0 < c.L; t0 += chunk {
		ckpt = append(ckpt, append([]float32(nil), h...))
		g := *f
		n := min(chunk, c.L-t0)
		g.Len, g.Bm, g.Cm = n, c.bm[t0*c.N:], c.cm[t0*c.N:]
		g.Dt, g.U, g.Z = c.dt[t0*c.E:], c.u[t0*c.E:], c.z[t0*c.E:]
		g.Delta, g.YPre, g.Y = f.Delta[t0*c.E:], f.YPre[t0*c.E:], f.Y[t0*c.E:]
		fwd(&g)
	}
	n, nl, blocks := c.L*c.E, BwdScratch(chunk, c.N), (c.W+Lanes-1)/Lanes
	b := &Bwd{DH: make([]float32, blocks*c.N*Lanes), AT: c.at, AL2: c.al2, DA: make([]float32, blocks*c.N*Lanes),
		Bias: c.bias, D: c.d, DU: make([]float32, n), DDt: make([]float32, n), DZ: make([]float32, n),
		DD: make([]float32, blocks*Lanes), DBias: make([]float32, blocks*Lanes),
		LaneB: make([]float32, c.L*c.N*Lanes), LaneC: make([]float32, c.L*c.N*Lanes),
		HS: make([]float32, nl), DAs: make([]float32, nl), N: c.N, E: c.E, W: c.W}
	for k := len(ckpt) - 1; k >= 0; k-- {
		t0 := k * chunk
		g := *b
		g.Len, g.H0 = min(chunk, c.L-t0), ckpt[k]
		g.Bm, g.Cm = c.bm[t0*c.N:], c.cm[t0*c.N:]
		g.Dt, g.U, g.Z, g.DY = c.dt[t0*c.E:], c.u[t0*c.E:], c.z[t0*c.E:], c.dy[t0*c.E:]
		g.Delta, g.YPre = f.Delta[t0*c.E:], f.YPre[t0*c.E:]
		g.DU, g.DDt, g.DZ = b.DU[t0*c.E:], b.DDt[t0*c.E:], b.DZ[t0*c.E:]
		g.LaneB, g.LaneC = b.LaneB[t0*c.N*Lanes:], b.LaneC[t0*c.N*Lanes:]
		run(&g)
	}
	return b
}

// The assembly backward equals the Go definition within a few ulps of the
// terms, for whole sequences and for chunked ones.
func TestScanBwdAsmMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2+FMA here: only the Go version runs")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][4]int{{1, 1, 8, 1}, {5, 3, 8, 5}, {37, 16, 24, 8}, {64, 16, 256, 64}, {64, 16, 16, 16}} {
		c := newCase(r, sz[0], sz[1], sz[2], Lanes)
		h0 := randSlice(r, c.N*Lanes, 1)
		ba, bg := c.bwd(h0, sz[3], scanFwdAsm, scanBwdAsm), c.bwd(h0, sz[3], scanFwdGo, scanBwdGo)
		for _, p := range []struct {
			name     string
			got, ref []float32
		}{{"du", ba.DU, bg.DU}, {"ddt", ba.DDt, bg.DDt}, {"dz", ba.DZ, bg.DZ}, {"dh", ba.DH, bg.DH},
			{"dA", ba.DA, bg.DA}, {"dD", ba.DD, bg.DD}, {"dbias", ba.DBias, bg.DBias},
			{"laneB", ba.LaneB, bg.LaneB}, {"laneC", ba.LaneC, bg.LaneC}} {
			got, ref := p.got, p.ref
			if len(got) == c.L*c.E {
				got, ref = rows(got, c), rows(ref, c)
			}
			if err := closeTo(p.name, got, ref, 2e-5, absScale(ref, 1)); err != nil {
				t.Fatalf("%v: %v", sz, err)
			}
		}
	}
}

// Chunking the backward changes the order of nothing but the per-chunk
// sums of dD and dbias: the other results are bit-identical.
func TestScanBwdChunksAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	c := newCase(r, 50, 16, 8, Lanes)
	h0 := make([]float32, c.N*Lanes)
	whole, chunked := c.bwd(h0, 50, ScanFwd, ScanBwd), c.bwd(h0, 16, ScanFwd, ScanBwd)
	for _, p := range [][2][]float32{{whole.DU, chunked.DU}, {whole.DDt, chunked.DDt}, {whole.DA, chunked.DA}, {whole.LaneB, chunked.LaneB}} {
		for i := range p[0] {
			if math.Float32bits(p[0][i]) != math.Float32bits(p[1][i]) {
				t.Fatalf("[%d]: %v whole, %v chunked", i, p[0][i], p[1][i])
			}
		}
	}
	if err := closeTo("dD", chunked.DD, whole.DD, 1e-5, absScale(whole.DD, 1)); err != nil {
		t.Fatal(err)
	}
}

// z read (and dz written) with a row stride of its own gives the same bits
// as a contiguous z, with the assembly and with the Go version.
func TestScanStridedZ(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, accel := range []bool{true, false} {
		old := SetAccelerated(accel)
		c := newCase(r, 40, 16, 16, Lanes)
		zs := 3 * c.E
		wide := make([]float32, c.L*zs)
		for tt := 0; tt < c.L; tt++ {
			copy(wide[tt*zs+5:tt*zs+5+c.E], c.z[tt*c.E:(tt+1)*c.E])
		}
		h0 := randSlice(r, c.N*Lanes, 1)
		f1 := c.fwd(append([]float32(nil), h0...))
		ScanFwd(f1)
		f2 := c.fwd(append([]float32(nil), h0...))
		f2.Z, f2.ZS = wide[5:], zs
		ScanFwd(f2)
		for i := range f1.Y {
			if math.Float32bits(f1.Y[i]) != math.Float32bits(f2.Y[i]) {
				t.Fatalf("accel %v: y[%d] %v contiguous, %v strided", accel, i, f1.Y[i], f2.Y[i])
			}
		}
		n, nl := c.L*c.E, c.L*c.N*Lanes
		mk := func(z, dz []float32, zstride int) *Bwd {
			return &Bwd{H0: h0, DH: make([]float32, c.N*Lanes), AT: c.at, AL2: c.al2, DA: make([]float32, c.N*Lanes),
				Bm: c.bm, Cm: c.cm, Dt: c.dt, U: c.u, Z: z, DY: c.dy, Delta: f1.Delta, YPre: f1.YPre, Bias: c.bias, D: c.d,
				DU: make([]float32, n), DDt: make([]float32, n), DZ: dz, DD: make([]float32, Lanes), DBias: make([]float32, Lanes),
				LaneB: make([]float32, nl), LaneC: make([]float32, nl), HS: make([]float32, nl), DAs: make([]float32, nl),
				Len: c.L, N: c.N, E: c.E, W: Lanes, ZS: zstride}
		}
		dzWide := make([]float32, c.L*zs)
		b1, b2 := mk(c.z, make([]float32, n), 0), mk(wide[5:], dzWide[5:], zs)
		ScanBwd(b1)
		ScanBwd(b2)
		for tt := 0; tt < c.L; tt++ {
			for j := 0; j < Lanes; j++ {
				if a, b := b1.DZ[tt*c.E+j], dzWide[5+tt*zs+j]; math.Float32bits(a) != math.Float32bits(b) {
					t.Fatalf("accel %v: dz[%d,%d] %v contiguous, %v strided", accel, tt, j, a, b)
				}
			}
		}
		for i := range b1.DU {
			if math.Float32bits(b1.DU[i]) != math.Float32bits(b2.DU[i]) {
				t.Fatalf("accel %v: du[%d] differs", accel, i)
			}
		}
		SetAccelerated(old)
	}
}

// A pair of groups (W = 16) gives, bit for bit, what two calls on the
// single groups give: the Go definition everywhere, and the 16-lane
// assembly against two calls of the 8-lane one where the CPU has AVX-512.
func TestScanFwd16MatchesPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type impl struct {
		name     string
		ok       bool
		pair, gr func(*Fwd)
	}
	for _, im := range []impl{
		{"go", true, scanFwdGo, scanFwdGo},
		{"asm", useAsm && hasAVX512, scanFwd16, scanFwdAsm},
	} {
		if !im.ok {
			t.Logf("%s: no AVX-512 here, the 16-lane assembly is not run", im.name)
			continue
		}
		for _, sz := range [][3]int{{1, 1, 16}, {9, 2, 16}, {5, 3, 24}, {37, 16, 40}, {64, 16, 256}} {
			c := newCase(r, sz[0], sz[1], sz[2], 2*Lanes)
			s := c.N * Lanes
			h0 := randSlice(r, 2*s, 1)
			hp := append([]float32(nil), h0...)
			fp := c.fwd(hp)
			im.pair(fp)
			fs := [2]*Fwd{}
			for g := range fs {
				f := c.fwd(append([]float32(nil), h0[g*s:(g+1)*s]...))
				o := g * Lanes
				f.AT, f.AL2, f.Bias, f.D, f.W = c.at[g*s:], c.al2[g*s:], c.bias[o:], c.d[o:], Lanes
				f.Dt, f.U, f.Z = c.dt[o:], c.u[o:], c.z[o:]
				f.Delta, f.YPre, f.Y = f.Delta[o:], f.YPre[o:], f.Y[o:]
				im.gr(f)
				fs[g] = f
				for i := 0; i < s; i++ {
					if math.Float32bits(hp[g*s+i]) != math.Float32bits(f.H[i]) {
						t.Fatalf("%s %v: group %d h[%d] = %v, the single call %v", im.name, sz, g, i, hp[g*s+i], f.H[i])
					}
				}
			}
			for tt := 0; tt < c.L; tt++ {
				for j := 0; j < 2*Lanes; j++ {
					g, i := j/Lanes, tt*c.E+j%Lanes
					for _, p := range []struct {
						name      string
						pair, one []float32
					}{{"delta", fp.Delta, fs[g].Delta}, {"ypre", fp.YPre, fs[g].YPre}, {"y", fp.Y, fs[g].Y}} {
						if math.Float32bits(p.pair[tt*c.E+j]) != math.Float32bits(p.one[i]) {
							t.Fatalf("%s %v: %s[t=%d, e=%d] = %v, the single call %v", im.name, sz, p.name, tt, j, p.pair[tt*c.E+j], p.one[i])
						}
					}
				}
			}
		}
	}
}

// The backward of a pair of groups (W = 16) gives, bit for bit, what the
// two single groups give (their lanes of dB and dC added, first then
// second): the Go definition everywhere, the 16-lane assembly against the
// 8-lane one where the CPU has AVX-512. Whole sequences and chunks.
func TestScanBwd16MatchesPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, im := range []struct {
		name         string
		ok           bool
		fp, fg       func(*Fwd)
		pair, single func(*Bwd)
	}{
		{"go", true, scanFwdGo, scanFwdGo, scanBwdGo, scanBwdGo},
		{"asm", useAsm && hasAVX512, scanFwd16, scanFwdAsm, scanBwd16, scanBwdAsm},
	} {
		if !im.ok {
			t.Logf("%s: no AVX-512 here, the 16-lane assembly is not run", im.name)
			continue
		}
		for _, sz := range [][4]int{{1, 1, 16, 1}, {5, 3, 16, 5}, {37, 16, 24, 8}, {64, 16, 256, 64}, {70, 5, 40, 16}} {
			c := newCase(r, sz[0], sz[1], sz[2], 2*Lanes)
			s := c.N * Lanes
			h0 := randSlice(r, 2*s, 1)
			bp := c.bwd(h0, sz[3], im.fp, im.pair)
			var one [2]*Bwd
			for g := range one {
				o := g * Lanes
				cg := *c
				cg.W, cg.at, cg.al2, cg.bias, cg.d = Lanes, c.at[g*s:], c.al2[g*s:], c.bias[o:], c.d[o:]
				cg.dt, cg.u, cg.z, cg.dy = c.dt[o:], c.u[o:], c.z[o:], c.dy[o:]
				one[g] = cg.bwd(h0[g*s:(g+1)*s], sz[3], im.fg, im.single)
			}
			same := func(what string, got, want float32) {
				t.Helper()
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%s %v: %s = %v in the pair, %v from the single groups", im.name, sz, what, got, want)
				}
			}
			for g, b := range one {
				for i := 0; i < s; i++ {
					same(fmt.Sprintf("dh[%d][%d]", g, i), bp.DH[g*s+i], b.DH[i])
					same(fmt.Sprintf("dA[%d][%d]", g, i), bp.DA[g*s+i], b.DA[i])
				}
				for j := 0; j < Lanes; j++ {
					same(fmt.Sprintf("dD[%d]", g*Lanes+j), bp.DD[g*Lanes+j], b.DD[j])
					same(fmt.Sprintf("dbias[%d]", g*Lanes+j), bp.DBias[g*Lanes+j], b.DBias[j])
				}
				for tt := 0; tt < c.L; tt++ {
					for j := 0; j < Lanes; j++ {
						i, k := tt*c.E+g*Lanes+j, tt*c.E+j
						same(fmt.Sprintf("du[t=%d,e=%d]", tt, g*Lanes+j), bp.DU[i], b.DU[k])
						same(fmt.Sprintf("ddt[t=%d,e=%d]", tt, g*Lanes+j), bp.DDt[i], b.DDt[k])
						same(fmt.Sprintf("dz[t=%d,e=%d]", tt, g*Lanes+j), bp.DZ[i], b.DZ[k])
					}
				}
			}
			for i := range bp.LaneB {
				same(fmt.Sprintf("laneB[%d]", i), bp.LaneB[i], one[0].LaneB[i]+one[1].LaneB[i])
				same(fmt.Sprintf("laneC[%d]", i), bp.LaneC[i], one[0].LaneC[i]+one[1].LaneC[i])
			}
		}
	}
}
