package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

var fp32 = precision.FP32Policy

func randFill(r *rand.Rand, p *Param, scale float32) {
	copy(p.Value.Data, nntest.Rand(r, p.Value.Numel(), scale))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLinearGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, bias := range []bool{false, true} {
		n, in, out := 5, 7, 3
		l := NewLinear("lin", in, out, bias)
		randFill(r, l.W, 0.5)
		if bias {
			randFill(r, l.B, 0.5)
		}
		x, rr := nntest.Rand(r, n*in, 1), nntest.Rand(r, n*out, 1)
		y, dx := make([]float32, n*out), make([]float32, n*in)
		loss := func() float64 { l.Forward(fp32, y, x, n); return nntest.Dot(y, rr) }
		ZeroGrads(l.Params())
		l.Backward(fp32, dx, rr, x, n)
		vars := []nntest.Var{nntest.V("x", x, dx), nntest.V("W", l.W.Value.Data, l.W.G())}
		if bias {
			vars = append(vars, nntest.V("b", l.B.Value.Data, l.B.G()))
		}
		must(t, nntest.Check(loss, vars, nntest.Options{}))
	}
}

// A deliberately wrong gradient must fail the check (the check can fail).
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, rr := nntest.Rand(r, 20, 1), nntest.Rand(r, 20, 1)
	y, dx := make([]float32, 20), make([]float32, 20)
	loss := func() float64 { SiLU(y, x); return nntest.Dot(y, rr) }
	SiLUBackward(dx, rr, x)
	dx[7] *= 1.1
	if err := nntest.Check(loss, []nntest.Var{nntest.V("x", x, dx)}, nntest.Options{MaxElems: 20}); err == nil {
		t.Fatal("a 10% error in one gradient element passed the check")
	}
}

func TestActivationGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x, rr := nntest.Rand(r, 40, 2), nntest.Rand(r, 40, 1)
	y, dx := make([]float32, 40), make([]float32, 40)
	must(t, nntest.Check(func() float64 { SiLU(y, x); return nntest.Dot(y, rr) },
		[]nntest.Var{nntest.V("silu", x, func() []float32 { SiLUBackward(dx, rr, x); return dx }())}, nntest.Options{}))
	dg := make([]float32, 40)
	GELUBackward(dg, rr, x)
	must(t, nntest.Check(func() float64 { GELU(y, x); return nntest.Dot(y, rr) },
		[]nntest.Var{nntest.V("gelu", x, dg)}, nntest.Options{}))
	ds := make([]float32, 40)
	for i, v := range x {
		ds[i] = rr[i] * SoftplusGrad(v)
	}
	must(t, nntest.Check(func() float64 {
		var s float64
		for i, v := range x {
			s += float64(Softplus(v)) * float64(rr[i])
		}
		return s
	}, []nntest.Var{nntest.V("softplus", x, ds)}, nntest.Options{}))
}

func TestActivationValues(t *testing.T) {
	y := make([]float32, 3)
	GELU(y, []float32{0, 1, -1})
	if math.Abs(float64(y[1])-0.8413447) > 1e-6 || math.Abs(float64(y[2])+0.1586553) > 1e-6 {
		t.Fatalf("GELU exact values %v", y)
	}
	SiLU(y, []float32{0, 1, -1})
	if math.Abs(float64(y[1])-0.7310586) > 1e-6 {
		t.Fatalf("SiLU %v", y)
	}
	if Softplus(25) != 25 || SoftplusGrad(25) != 1 || math.Abs(float64(Softplus(0))-math.Ln2) > 1e-7 {
		t.Fatal("Softplus threshold or value")
	}
	if Softplus(-30) <= 0 || Softplus(-30) > 1e-12 {
		t.Fatalf("Softplus(-30) = %v, want tiny positive", Softplus(-30))
	}
}

func TestNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n, d := 4, 9
	rms := NewRMSNorm("rms", d, 1e-5)
	randFill(r, rms.W, 1)
	x, rr := nntest.Rand(r, n*d, 1), nntest.Rand(r, n*d, 1)
	y, dx, rstd := make([]float32, n*d), make([]float32, n*d), make([]float32, n)
	rms.Forward(y, rstd, x, n)
	rms.Backward(dx, rr, x, rstd, n)
	must(t, nntest.Check(func() float64 { rms.Forward(y, rstd, x, n); return nntest.Dot(y, rr) },
		[]nntest.Var{nntest.V("x", x, dx), nntest.V("w", rms.W.Value.Data, rms.W.G())}, nntest.Options{}))

	ln := NewLayerNorm("ln", d, 1e-5)
	randFill(r, ln.W, 1)
	randFill(r, ln.B, 1)
	mean := make([]float32, n)
	ln.Forward(y, mean, rstd, x, n)
	ln.Backward(dx, rr, x, mean, rstd, n)
	must(t, nntest.Check(func() float64 { ln.Forward(y, mean, rstd, x, n); return nntest.Dot(y, rr) },
		[]nntest.Var{nntest.V("x", x, dx), nntest.V("w", ln.W.Value.Data, ln.W.G()), nntest.V("b", ln.B.Value.Data, ln.B.G())}, nntest.Options{}))
}

func TestConv1dCausalAndGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	B, L, E, K := 2, 6, 3, 4
	c := NewConv1d("conv", E, K, true)
	randFill(r, c.W, 0.5)
	randFill(r, c.B, 0.5)
	x, rr := nntest.Rand(r, B*L*E, 1), nntest.Rand(r, B*L*E, 1)
	y, dx := make([]float32, B*L*E), make([]float32, B*L*E)
	// causality and the tap order: y[t] depends on x[t-K+1..t], w[K-1] on x[t]
	c.Forward(fp32, y, x, B, L)
	b, t0, e := 1, 2, 1
	want := c.B.Value.Data[e]
	for k := 0; k < K; k++ {
		if s := t0 - (K - 1) + k; s >= 0 {
			want += c.W.Value.Data[e*K+k] * x[(b*L+s)*E+e]
		}
	}
	if got := y[(b*L+t0)*E+e]; math.Abs(float64(got-want)) > 1e-6 {
		t.Fatalf("conv y = %v, want %v", got, want)
	}
	c.Backward(fp32, dx, rr, x, B, L)
	must(t, nntest.Check(func() float64 { c.Forward(fp32, y, x, B, L); return nntest.Dot(y, rr) },
		[]nntest.Var{nntest.V("x", x, dx), nntest.V("w", c.W.Value.Data, c.W.G()), nntest.V("b", c.B.Value.Data, c.B.G())}, nntest.Options{}))
}

// The vectorised convolution equals its plain reference under fp32 and
// bf16, for widths that do and do not fill 8-lane registers and sequences
// shorter than the kernel.
func TestConv1dMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, sz := range [][4]int{{2, 6, 3, 4}, {3, 37, 16, 4}, {2, 2, 24, 4}} {
		B, L, E, K := sz[0], sz[1], sz[2], sz[3]
		for _, pol := range []precision.Policy{fp32, precision.BF16AMP} {
			c := NewConv1d("conv", E, K, true)
			randFill(r, c.W, 0.5)
			randFill(r, c.B, 0.5)
			x, dy := nntest.Rand(r, B*L*E, 1), nntest.Rand(r, B*L*E, 1)
			run := func(fwd func(precision.Policy, []float32, []float32, int, int), bwd func(precision.Policy, []float32, []float32, []float32, int, int)) (y, dx, dw, db []float32) {
				ZeroGrads([]*Param{c.W, c.B})
				y, dx = make([]float32, B*L*E), make([]float32, B*L*E)
				fwd(pol, y, x, B, L)
				bwd(pol, dx, dy, x, B, L)
				return y, dx, append([]float32(nil), c.W.G()...), append([]float32(nil), c.B.G()...)
			}
			y, dx, dw, db := run(c.Forward, c.Backward)
			ry, rdx, rdw, rdb := run(c.forwardRef, c.backwardRef)
			tol := 1e-5
			if pol.Half() {
				tol = 2 * float64(pol.Compute.Eps()) // one 16-bit rounding may go the other way
			}
			for name, p := range map[string][2][]float32{"y": {y, ry}, "dx": {dx, rdx}, "dw": {dw, rdw}, "db": {db, rdb}} {
				scale := float64(maxAbsOf(p[1]))
				for i := range p[0] {
					if d := math.Abs(float64(p[0][i] - p[1][i])); d > tol*(math.Abs(float64(p[1][i]))+1e-2*scale) {
						t.Fatalf("%v %v %s[%d]: %v, reference %v", sz, pol, name, i, p[0][i], p[1][i])
					}
				}
			}
		}
	}
}

func maxAbsOf(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, float32(math.Abs(float64(v))))
	}
	return m
}

func TestEmbeddingAndTiedGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	V, D := 6, 4
	emb := NewEmbedding("emb", V, D)
	randFill(r, emb.W, 1)
	head := &Linear{Name: "lm_head", In: D, Out: V, W: emb.W} // tied
	ids := []int{3, 1, 3, 5}
	n := len(ids)
	h, logits := make([]float32, n*D), make([]float32, n*V)
	rr := nntest.Rand(r, n*V, 1)
	loss := func() float64 {
		emb.Forward(h, ids)
		head.Forward(fp32, logits, h, n)
		return nntest.Dot(logits, rr)
	}
	loss()
	ZeroGrads([]*Param{emb.W})
	dh := make([]float32, n*D)
	head.Backward(fp32, dh, rr, h, n)
	emb.Backward(dh, ids)
	must(t, nntest.Check(loss, []nntest.Var{nntest.V("tied W", emb.W.Value.Data, emb.W.G())}, nntest.Options{MaxElems: V * D}))
}

func TestCrossEntropyShiftedLabels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	B, L, V := 2, 5, 7
	ids := []int{1, 2, 3, 4, 5, 6, 0, 1, 2, 3}
	tg := ShiftLabels(ids, B, L)
	if tg[0] != 2 || tg[4] != IgnoreIndex || tg[5] != 0 || tg[9] != IgnoreIndex {
		t.Fatalf("shift %v", tg)
	}
	logits := nntest.Rand(r, B*L*V, 2)
	d := make([]float32, B*L*V)
	loss, count := CrossEntropy(d, logits, tg, B*L, V, 1)
	if count != 8 {
		t.Fatalf("count %d", count)
	}
	// hand computation of one row's term
	var want float64
	for row := 0; row < B*L; row++ {
		if tg[row] == IgnoreIndex {
			continue
		}
		var z float64
		for j := 0; j < V; j++ {
			z += math.Exp(float64(logits[row*V+j]))
		}
		want += math.Log(z) - float64(logits[row*V+tg[row]])
	}
	if math.Abs(loss-want/8) > 1e-6 {
		t.Fatalf("loss %v, want %v", loss, want/8)
	}
	must(t, nntest.Check(func() float64 { l, _ := CrossEntropy(nil, logits, tg, B*L, V, 1); return l },
		[]nntest.Var{nntest.V("logits", logits, d)}, nntest.Options{MaxElems: 70}))
	for j := 0; j < V; j++ {
		if d[4*V+j] != 0 {
			t.Fatal("ignored row has a gradient")
		}
	}
}

// Under bf16/fp16 the layers run and their outputs lie on the 16-bit grid.
func TestLayersUnderHalfPolicies(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP} {
		n, in, out := 4, 8, 5
		l := NewLinear("lin", in, out, true)
		randFill(r, l.W, 0.5)
		randFill(r, l.B, 0.5)
		x, y := nntest.Rand(r, n*in, 1), make([]float32, n*out)
		l.Forward(pol, y, x, n)
		y32 := make([]float32, n*out)
		l.Forward(fp32, y32, x, n)
		for i, v := range y {
			if pol.Compute.Round(v) != v {
				t.Fatalf("%v: linear output %v not on the grid", pol, v)
			}
			if math.Abs(float64(v-y32[i])) > 4*float64(pol.Compute.Eps())*(1+math.Abs(float64(y32[i])))*3 {
				t.Fatalf("%v: %v vs fp32 %v", pol, v, y32[i])
			}
		}
		dx := make([]float32, n*in)
		l.Backward(pol, dx, y, x, n)
		for _, g := range append(dx, l.W.G()...) {
			if pol.Compute.Round(g) != g && pol.Compute == precision.BF16 {
				// dW is rounded per step then accumulated in fp32; one step stays on the grid
				t.Fatalf("%v: gradient %v not on the grid", pol, g)
			}
		}
		c := NewConv1d("c", 3, 4, true)
		randFill(r, c.W, 0.5)
		xc, yc := nntest.Rand(r, 2*5*3, 1), make([]float32, 2*5*3)
		c.Forward(pol, yc, xc, 2, 5)
		for _, v := range yc {
			if pol.Compute.Round(v) != v {
				t.Fatalf("%v: conv output off grid", pol)
			}
		}
	}
}

func TestParamBookkeeping(t *testing.T) {
	l := NewLinear("a", 3, 2, true)
	total, train := Count(append(l.Params(), l.W))
	if total != 8 || train != 8 {
		t.Fatalf("count %d %d", total, train)
	}
	l.W.Freeze()
	if l.W.G() != nil || len(Trainable(l.Params())) != 1 {
		t.Fatal("freeze")
	}
	if _, train := Count(l.Params()); train != 2 {
		t.Fatalf("trainable %d", train)
	}
	// frozen weights get no gradient but still pass dx
	dx := make([]float32, 3)
	l.Backward(fp32, dx, []float32{1, 1}, []float32{1, 2, 3}, 1)
	l.W.Unfreeze()
	if l.W.G() == nil || !strings.HasSuffix(l.W.Name, ".weight") {
		t.Fatal("unfreeze")
	}
}

// The parallel, vectorised norms equal their plain references within
// float32 rounding of the row sums (widths that do and do not fill 8 lanes,
// row counts that do and do not fill blocks), and are bit-identical
// whatever GOMAXPROCS is.
func TestNormsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, sz := range [][2]int{{3, 5}, {130, 16}, {200, 128}} {
		n, d := sz[0], sz[1]
		x, dy := nntest.Rand(r, n*d, 2), nntest.Rand(r, n*d, 1)
		rms, ln := NewRMSNorm("r", d, 1e-5), NewLayerNorm("l", d, 1e-5)
		randFill(r, rms.W, 1)
		randFill(r, ln.W, 1)
		randFill(r, ln.B, 1)
		type out struct{ y, dx, gw, gb []float32 }
		run := func(procs int, ref bool) (o [2]out) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			ZeroGrads([]*Param{rms.W, ln.W, ln.B})
			y, dx, st, mu := make([]float32, n*d), make([]float32, n*d), make([]float32, n), make([]float32, n)
			if ref {
				rms.forwardRef(y, st, x, n)
				rms.backwardRef(dx, dy, x, st, n)
			} else {
				rms.Forward(y, st, x, n)
				rms.Backward(dx, dy, x, st, n)
			}
			o[0] = out{y, dx, append([]float32(nil), rms.W.G()...), nil}
			y, dx = make([]float32, n*d), make([]float32, n*d)
			if ref {
				ln.forwardRef(y, mu, st, x, n)
				ln.backwardRef(dx, dy, x, mu, st, n)
			} else {
				ln.Forward(y, mu, st, x, n)
				ln.Backward(dx, dy, x, mu, st, n)
			}
			o[1] = out{y, dx, append([]float32(nil), ln.W.G()...), append([]float32(nil), ln.B.G()...)}
			return o
		}
		got, want, one := run(2, false), run(1, true), run(1, false)
		for k, name := range []string{"rmsnorm", "layernorm"} {
			for f, p := range [][3][]float32{{got[k].y, want[k].y, one[k].y}, {got[k].dx, want[k].dx, one[k].dx}, {got[k].gw, want[k].gw, one[k].gw}, {got[k].gb, want[k].gb, one[k].gb}} {
				scale := float64(maxAbsOf(p[1]))
				for i := range p[0] {
					if d := math.Abs(float64(p[0][i] - p[1][i])); d > 2e-5*(math.Abs(float64(p[1][i]))+scale) {
						t.Fatalf("%v %s field %d [%d]: %v, reference %v", sz, name, f, i, p[0][i], p[1][i])
					}
					if math.Float32bits(p[0][i]) != math.Float32bits(p[2][i]) {
						t.Fatalf("%v %s field %d [%d]: %v with 2 threads, %v with 1", sz, name, f, i, p[0][i], p[2][i])
					}
				}
			}
		}
	}
}

// ColumnSums adds the rows in order, whatever the split into column blocks
// and workers: bit-identical to the row-by-row loop it replaced.
func TestColumnSums(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][2]int{{1, 1}, {3, 7}, {100, 64}, {257, 130}, {2048, 512}} {
		n, w := sz[0], sz[1]
		x := make([]float32, n*w)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		want := append([]float32(nil), x[:w]...)
		for row := 1; row < n; row++ {
			for j := range want {
				want[j] += x[row*w+j]
			}
		}
		got := make([]float32, w)
		ColumnSums(got, x, n, w)
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("%dx%d: column %d = %v, want %v", n, w, j, got[j], want[j])
			}
		}
	}
}
