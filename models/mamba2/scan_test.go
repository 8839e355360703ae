package mamba2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
)

// scanCase is a random scan problem with positive step sizes and negative A.
type scanCase struct {
	d                    Dims
	x, dt, A, Bm, Cm, h0 []float32
}

func newScanCase(r *rand.Rand, d Dims, withH0 bool) *scanCase {
	c := &scanCase{d: d,
		x:  nntest.Rand(r, d.B*d.L*d.H*d.P, 1),
		dt: make([]float32, d.B*d.L*d.H),
		A:  make([]float32, d.H),
		Bm: nntest.Rand(r, d.B*d.L*d.G*d.N, 1),
		Cm: nntest.Rand(r, d.B*d.L*d.G*d.N, 1),
	}
	for i := range c.dt {
		c.dt[i] = 0.05 + 0.5*r.Float32()
	}
	for i := range c.A {
		c.A[i] = -(0.2 + 2*r.Float32())
	}
	if withH0 {
		c.h0 = nntest.Rand(r, d.B*d.H*d.P*d.N, 1)
	}
	return c
}

func relErr(got, want []float32) float64 {
	var diff, scale float64
	for i, w := range want {
		diff = math.Max(diff, math.Abs(float64(got[i])-float64(w)))
		scale = math.Max(scale, math.Abs(float64(w)))
		if math.IsNaN(float64(got[i])) {
			return math.Inf(1)
		}
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

var scanDims = Dims{B: 2, L: 13, H: 4, P: 3, G: 2, N: 5}

// chunk sizes that divide L = 13 (1, 13) and do not (3, 8, 20 > L)
var chunkSizes = []int{1, 3, 8, 13, 20}

// the two production scans, forward and backward
var scanKernels = []struct {
	name string
	fwd  func(y, states, x, dt, A, Bm, Cm, h0 []float32, d Dims, Q int)
	bwd  func(dx, ddt, dA, dBm, dCm, dy, states, x, dt, A, Bm, Cm []float32, d Dims, Q int)
}{{"chunked", ChunkScan, ChunkScanBackward}, {"recurrent", RecScan, RecScanBackward}}

func TestScansMatchSequential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := scanDims
	PN := d.P * d.N
	for _, withH0 := range []bool{false, true} {
		c := newScanCase(r, d, withH0)
		want, hs := make([]float32, len(c.x)), make([]float32, d.B*d.H*d.L*PN)
		SeqScan(want, hs, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d)
		for _, k := range scanKernels {
			for _, Q := range chunkSizes {
				nc := NumChunks(d.L, Q)
				y, st := make([]float32, len(c.x)), make([]float32, d.B*d.H*(nc+1)*PN)
				k.fwd(y, st, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d, Q)
				if e := relErr(y, want); e > 2e-6 {
					t.Errorf("%s, h0 %v, Q=%d: y differs from the sequential scan by %.3g", k.name, withH0, Q, e)
				}
				for bh := 0; bh < d.B*d.H; bh++ { // chunk-start states and the final state
					for ci := 1; ci <= nc; ci++ {
						tEnd := min(ci*Q, d.L) - 1
						got := st[(bh*(nc+1)+ci)*PN : (bh*(nc+1)+ci+1)*PN]
						ref := hs[(bh*d.L+tEnd)*PN : (bh*d.L+tEnd+1)*PN]
						if e := relErr(got, ref); e > 2e-6 {
							t.Errorf("%s, h0 %v, Q=%d: state %d of (b,h)=%d differs by %.3g", k.name, withH0, Q, ci, bh, e)
						}
					}
				}
			}
		}
	}
}

type scanGrads struct{ dx, ddt, dA, dB, dC []float32 }

func newScanGrads(d Dims) *scanGrads {
	return &scanGrads{make([]float32, d.B*d.L*d.H*d.P), make([]float32, d.B*d.L*d.H), make([]float32, d.H),
		make([]float32, d.B*d.L*d.G*d.N), make([]float32, d.B*d.L*d.G*d.N)}
}

func (g *scanGrads) vars(c *scanCase) []nntest.Var {
	return []nntest.Var{nntest.V("x", c.x, g.dx), nntest.V("dt", c.dt, g.ddt), nntest.V("A", c.A, g.dA),
		nntest.V("B", c.Bm, g.dB), nntest.V("C", c.Cm, g.dC)}
}

func (g *scanGrads) all() [][]float32 { return [][]float32{g.dx, g.ddt, g.dA, g.dB, g.dC} }

func TestSeqScanGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := Dims{B: 2, L: 7, H: 4, P: 2, G: 2, N: 3}
	for _, withH0 := range []bool{false, true} {
		c := newScanCase(r, d, withH0)
		dy := nntest.Rand(r, len(c.x), 1)
		y, hs := make([]float32, len(c.x)), make([]float32, d.B*d.H*d.L*d.P*d.N)
		SeqScan(y, hs, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d)
		g := newScanGrads(d)
		SeqScanBackward(g.dx, g.ddt, g.dA, g.dB, g.dC, dy, hs, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d)
		loss := func() float64 { SeqScan(y, nil, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d); return nntest.Dot(y, dy) }
		if err := nntest.Check(loss, g.vars(c), nntest.Options{Step: 1e-3, Tol: 2e-3, MaxElems: 64}); err != nil {
			t.Errorf("h0 %v: %v", withH0, err)
		}
	}
}

func TestScanGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	d := scanDims
	c := newScanCase(r, d, true)
	dy := nntest.Rand(r, len(c.x), 1)
	y, hs := make([]float32, len(c.x)), make([]float32, d.B*d.H*d.L*d.P*d.N)
	SeqScan(y, hs, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d)
	ref := newScanGrads(d)
	SeqScanBackward(ref.dx, ref.ddt, ref.dA, ref.dB, ref.dC, dy, hs, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d)
	names := []string{"dx", "ddt", "dA", "dB", "dC"}
	for _, k := range scanKernels {
		for _, Q := range chunkSizes {
			t.Run(fmt.Sprintf("%s/Q=%d", k.name, Q), func(t *testing.T) {
				st := make([]float32, d.B*d.H*(NumChunks(d.L, Q)+1)*d.P*d.N)
				k.fwd(y, st, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d, Q)
				g := newScanGrads(d)
				k.bwd(g.dx, g.ddt, g.dA, g.dB, g.dC, dy, st, c.x, c.dt, c.A, c.Bm, c.Cm, d, Q)
				for i, got := range g.all() {
					if e := relErr(got, ref.all()[i]); e > 1e-5 {
						t.Errorf("%s differs from the sequential backward by %.3g", names[i], e)
					}
				}
				loss := func() float64 { k.fwd(y, st, c.x, c.dt, c.A, c.Bm, c.Cm, c.h0, d, Q); return nntest.Dot(y, dy) }
				if err := nntest.Check(loss, g.vars(c), nntest.Options{Step: 1e-3, Tol: 2e-3, MaxElems: 32}); err != nil {
					t.Error(err)
				}
			})
		}
	}
}
