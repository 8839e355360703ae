package mamba

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// randScan returns scan inputs of the given sizes with the magnitudes a
// trained layer sees (Δ around 0.01..1, A = −1..−N perturbed).
func randScan(r *rand.Rand, B, L, E, N int) (*scanIn, []float32) {
	in := &scanIn{B: B, L: L, E: E, N: N,
		U: nntest.Rand(r, B*L*E, 1), Dt: nntest.Rand(r, B*L*E, 0.5), Z: nntest.Rand(r, B*L*E, 1),
		Bm: nntest.Rand(r, B*L*N, 1), Cm: nntest.Rand(r, B*L*N, 1),
		Dskip: nntest.Rand(r, E, 0.3), Bias: make([]float32, E), A: make([]float32, E*N)}
	aLog := make([]float32, E*N)
	for e := 0; e < E; e++ {
		in.Dskip[e]++
		in.Bias[e] = float32(math.Log(math.Expm1(0.01 + r.Float64()))) // softplus⁻¹ of 0.01..1
		for n := 0; n < N; n++ {
			aLog[e*N+n] = float32(math.Log(float64(n+1)) + 0.1*r.NormFloat64())
		}
	}
	setA(in, aLog)
	return in, aLog
}

func setA(in *scanIn, aLog []float32) {
	for i, v := range aLog {
		in.A[i] = -kern.Exp(v)
	}
}

// The fused kernel equals the plain reference (the specification) under
// every policy, for widths that do and do not split evenly into blocks.
func TestScanMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][4]int{{2, 7, 5, 3}, {3, 9, 37, 4}, {1, 16, 64, 8}} {
		in, _ := randScan(r, sz[0], sz[1], sz[2], sz[3])
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.FP16AMP, precision.BF16AMP} {
			var got, want scanOut
			scan(pol, in, &got)
			scanRef(pol, in, &want)
			for name, pair := range map[string][2][]float32{"y": {got.Y, want.Y}, "delta": {got.Delta, want.Delta}, "ypre": {got.YPre, want.YPre}} {
				for i := range pair[0] {
					g, w := float64(pair[0][i]), float64(pair[1][i])
					if math.Abs(g-w) > 1e-5*(1+math.Abs(w)) && !(pol.Half() && name == "y" && math.Abs(g-w) <= 2*float64(pol.Compute.Eps())*math.Abs(w)) {
						t.Fatalf("%v %v %s[%d]: fused %v, reference %v", sz, pol, name, i, g, w)
					}
				}
			}
			if pol.Half() {
				for _, v := range got.Y {
					if pol.Compute.Round(v) != v {
						t.Fatalf("%v: output %v not on the %v grid", pol, v, pol.Compute)
					}
				}
			}
		}
	}
}

// The vectorised backward equals the first, plain-Go one (scanBackwardRef,
// itself checked against finite differences) within float32 rounding of
// the terms, with the assembly kernels and with their Go versions, for
// lengths that do and do not split into backward chunks and widths that do
// and do not fill groups of 8 (norm-wise: sums over B·L terms cancel).
func TestScanBackwardMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, accel := range []bool{true, false} {
		old := kern.SetAccelerated(accel)
		for _, sz := range [][4]int{{2, 7, 5, 3}, {3, 70, 37, 4}, {2, 130, 64, 16}} {
			in, _ := randScan(r, sz[0], sz[1], sz[2], sz[3])
			dY := nntest.Rand(r, sz[0]*sz[1]*sz[2], 1)
			for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
				var out scanOut
				scan(pol, in, &out)
				got, want := newScanGrads(in), newScanGrads(in)
				scanBackward(pol, in, &out, dY, got)
				scanBackwardRef(pol, in, &out, dY, want)
				tol := 2e-5
				if pol.Half() {
					tol = 2 * float64(pol.Compute.Eps()) // a rounding may go the other way
				}
				for name, pair := range map[string][2][]float32{"du": {got.U, want.U}, "ddt": {got.Dt, want.Dt}, "dz": {got.Z, want.Z},
					"dB": {got.Bm, want.Bm}, "dC": {got.Cm, want.Cm}, "dA_log": {got.ALog, want.ALog}, "dD": {got.Dskip, want.Dskip}, "dbias": {got.Bias, want.Bias}} {
					scale := 0.0
					for _, v := range pair[1] {
						scale = math.Max(scale, math.Abs(float64(v)))
					}
					for i := range pair[0] {
						if d := math.Abs(float64(pair[0][i] - pair[1][i])); d > tol*(math.Abs(float64(pair[1][i]))+scale) {
							t.Fatalf("accel %v %v %v %s[%d]: %v, reference %v", accel, sz, pol, name, i, pair[0][i], pair[1][i])
						}
					}
				}
			}
		}
		kern.SetAccelerated(old)
	}
}

// Forward and backward are bit-identical whatever GOMAXPROCS is.
func TestScanDeterministicAcrossThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	in, _ := randScan(r, 3, 75, 40, 5)
	dY := nntest.Rand(r, 3*75*40, 1)
	run := func(procs int) ([]float32, *scanGrads) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var out scanOut
		scan(precision.FP32Policy, in, &out)
		g := newScanGrads(in)
		scanBackward(precision.FP32Policy, in, &out, dY, g)
		return out.Y, g
	}
	y1, g1 := run(1)
	y4, g4 := run(4)
	same := func(name string, a, b []float32) {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s[%d] differs: %v vs %v", name, i, a[i], b[i])
			}
		}
	}
	same("y", y1, y4)
	same("dB", g1.Bm, g4.Bm)
	same("dC", g1.Cm, g4.Cm)
	same("dA_log", g1.ALog, g4.ALog)
	same("du", g1.U, g4.U)
	same("ddt", g1.Dt, g4.Dt)
	same("dD", g1.Dskip, g4.Dskip)
}

func newScanGrads(in *scanIn) *scanGrads {
	n := in.B * in.L * in.E
	return &scanGrads{U: make([]float32, n), Dt: make([]float32, n), Z: make([]float32, n),
		Bm: make([]float32, in.B*in.L*in.N), Cm: make([]float32, in.B*in.L*in.N),
		ALog: make([]float32, in.E*in.N), Dskip: make([]float32, in.E), Bias: make([]float32, in.E)}
}

// The hand-written backward equals central differences of the forward for
// every input and parameter.
func TestScanGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][4]int{{2, 6, 5, 3}, {2, 5, 37, 4}} {
		in, aLog := randScan(r, sz[0], sz[1], sz[2], sz[3])
		rr := nntest.Rand(r, len(in.U), 1)
		var out scanOut
		loss := func() float64 {
			setA(in, aLog)
			scan(precision.FP32Policy, in, &out)
			return nntest.Dot(out.Y, rr)
		}
		loss()
		g := newScanGrads(in)
		scanBackward(precision.FP32Policy, in, &out, rr, g)
		err := nntest.Check(loss, []nntest.Var{
			nntest.V("u", in.U, g.U), nntest.V("dt", in.Dt, g.Dt), nntest.V("z", in.Z, g.Z),
			nntest.V("B", in.Bm, g.Bm), nntest.V("C", in.Cm, g.Cm), nntest.V("A_log", aLog, g.ALog),
			nntest.V("D", in.Dskip, g.Dskip), nntest.V("dt_bias", in.Bias, g.Bias),
		}, nntest.Options{Step: 1e-2, Tol: 5e-3})
		if err != nil {
			t.Fatalf("%v: %v", sz, err)
		}
	}
}

// Handing two groups to one kernel call (as on CPUs with the 16-lane scan),
// forward and backward, gives the same bits as one group a call: with the Go kernels here, and
// with the assembly ones where the CPU runs both (then pairs use the
// 16-lane kernel). Widths with a partial last group and an odd number of
// groups take the single-group path for the rest.
func TestScanPairsMatchSingles(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	defer func(f func() bool) { pairGroups = f }(pairGroups)
	for _, accel := range []bool{false, true} {
		old := kern.SetAccelerated(accel)
		for _, sz := range [][4]int{{2, 70, 32, 16}, {3, 9, 37, 4}, {1, 16, 24, 8}, {2, 65, 256, 16}} {
			in, _ := randScan(r, sz[0], sz[1], sz[2], sz[3])
			var one, two scanOut
			dY := nntest.Rand(r, sz[0]*sz[1]*sz[2], 1)
			g1, g2 := newScanGrads(in), newScanGrads(in)
			pairGroups = func() bool { return false }
			scan(precision.FP32Policy, in, &one)
			scanBackward(precision.FP32Policy, in, &one, dY, g1)
			pairGroups = func() bool { return true }
			scan(precision.FP32Policy, in, &two)
			scanBackward(precision.FP32Policy, in, &two, dY, g2)
			if accel && kern.GroupLanes() != 2*kern.Lanes {
				continue // pairs ran the Go kernel, singles the assembly: equal within rounding only (other tests)
			}
			for _, p := range []struct {
				name     string
				got, ref []float32
			}{{"y", two.Y, one.Y}, {"ypre", two.YPre, one.YPre}, {"delta", two.Delta, one.Delta}, {"ckpt", two.ckpt, one.ckpt}, {"h", two.h, one.h},
				{"du", g2.U, g1.U}, {"ddt", g2.Dt, g1.Dt}, {"dz", g2.Z, g1.Z}, {"dB", g2.Bm, g1.Bm}, {"dC", g2.Cm, g1.Cm},
				{"dA_log", g2.ALog, g1.ALog}, {"dD", g2.Dskip, g1.Dskip}, {"dbias", g2.Bias, g1.Bias}} {
				for i := range p.ref {
					if math.Float32bits(p.got[i]) != math.Float32bits(p.ref[i]) {
						t.Fatalf("accel=%v %v: %s[%d] = %v in pairs, %v one group a call", accel, sz, p.name, i, p.got[i], p.ref[i])
					}
				}
			}
		}
		kern.SetAccelerated(old)
	}
}
