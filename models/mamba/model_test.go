package mamba

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// tiny returns a small initialised model with every parameter perturbed
// away from its structured init, so gradient checks see all of them.
func tiny(t testing.TB, c Config, seed uint64) *Model {
	t.Helper()
	m, err := New(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] += float32(0.1 * r.NormFloat64())
		}
	}
	for i := range m.Emb.W.Value.Data {
		m.Emb.W.Value.Data[i] *= 10 // embeddings of order 1, as the checks need signal
	}
	return m
}

func tinyConfig() Config {
	c := DefaultConfig(11, 6, 2)
	c.N, c.K, c.DtRank = 3, 3, 2
	c.DtMin, c.DtMax = 0.1, 1 // steps large enough that A matters to the loss
	return c
}

// One mixer's Backward equals central differences for its input and every
// parameter (bias variants included).
func TestMixerGradients(t *testing.T) {
	for _, bias := range []bool{false, true} {
		c := tinyConfig()
		c.Bias = bias
		mx := tiny(t, c, 1).Layers[0].Mixer
		r := rand.New(rand.NewPCG(2, 3))
		B, L := 2, 5
		in, rr := nntest.Rand(r, B*L*c.D, 1), nntest.Rand(r, B*L*c.D, 1)
		out, dx := make([]float32, B*L*c.D), make([]float32, B*L*c.D)
		loss := func() float64 { mx.Forward(precision.FP32Policy, out, in, B, L); return nntest.Dot(out, rr) }
		loss()
		nn.ZeroGrads(mx.Params())
		mx.Backward(precision.FP32Policy, dx, rr)
		vars := []nntest.Var{nntest.V("in", in, dx)}
		for _, p := range mx.Params() {
			vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
		}
		if err := nntest.Check(loss, vars, nntest.Options{MaxElems: 24}); err != nil {
			t.Fatalf("bias=%v: %v", bias, err)
		}
	}
}

// The whole model's gradients (cross-entropy loss) equal central
// differences, tied and untied heads alike.
func TestModelGradients(t *testing.T) {
	for _, untied := range []bool{false, true} {
		c := tinyConfig()
		c.Untied = untied
		m := tiny(t, c, 4)
		r := rand.New(rand.NewPCG(5, 6))
		B, T := 2, 6
		ids := nntest.RandIDs(r, B*T, c.Vocab)
		tg := nn.ShiftLabels(ids, B, T)
		nn.ZeroGrads(m.Params())
		lm.Loss(m, precision.FP32Policy, ids, tg, B, T, true, 1)
		loss := func() float64 { return lm.Loss(m, precision.FP32Policy, ids, tg, B, T, false, 1) }
		var vars []nntest.Var
		for _, p := range m.Params() {
			vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
		}
		// Floor 2e-3: the loss is float32, so its rounding (~4e-7 of ~4)
		// over the step gives ~1e-5 of noise in every numeric derivative;
		// against dt_proj.bias's largest gradient (~4e-4) that noise alone
		// is 3% and its outcome depended on the GEMM's summation order.
		// The exact values are checked against PyTorch in fixture_test.go.
		if err := nntest.Check(loss, vars, nntest.Options{Step: 2e-2, Floor: 2e-3, MaxElems: 16}); err != nil {
			t.Fatalf("untied=%v: %v", untied, err)
		}
	}
}

// Under fp16 and bf16 the model runs, stays finite and close to fp32, and
// every tensor autocast holds in 16 bits lies on the grid.
func TestModelHalfPolicies(t *testing.T) {
	c := tinyConfig()
	m := tiny(t, c, 8)
	r := rand.New(rand.NewPCG(9, 10))
	B, T := 2, 7
	ids := nntest.RandIDs(r, B*T, c.Vocab)
	ref := append([]float32(nil), m.Forward(precision.FP32Policy, ids, B, T)...)
	for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP} {
		nn.ZeroGrads(m.Params())
		loss := lm.Loss(m, pol, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			t.Fatalf("%v: loss %v", pol, loss)
		}
		mx := m.Layers[0].Mixer
		for name, xs := range map[string][]float32{"logits": m.logits, "xz": mx.xz, "u": mx.u, "y": mx.so.Y, "B": mx.bm, "dt": mx.dtr} {
			for _, v := range xs {
				if pol.Compute.Round(v) != v {
					t.Fatalf("%v: %s value %v is not on the %v grid", pol, name, v, pol.Compute)
				}
			}
		}
		var dev, scale float64
		for i, v := range m.logits {
			dev = math.Max(dev, math.Abs(float64(v-ref[i])))
			scale = math.Max(scale, math.Abs(float64(ref[i])))
		}
		if dev > 30*float64(pol.Compute.Eps())*scale {
			t.Fatalf("%v: logits deviate %.3g from fp32 (scale %.3g)", pol, dev, scale)
		}
		for _, p := range m.Params() {
			if !precision.AllFinite(p.Grad.Data) {
				t.Fatalf("%v: %s gradient not finite", pol, p.Name)
			}
		}
	}
}

// The conv reads in_proj's output in place under 16-bit policies
// (Conv1d.InputRounded): loss and gradients equal those through a rounded
// copy, bit for bit.
func TestConvReadsRoundedInput(t *testing.T) {
	c := tinyConfig()
	m := tiny(t, c, 8)
	r := rand.New(rand.NewPCG(11, 12))
	B, T := 2, 9
	ids := nntest.RandIDs(r, B*T, c.Vocab)
	tg := nn.ShiftLabels(ids, B, T)
	setInPlace := func(on bool) {
		for _, l := range m.Layers {
			l.Mixer.Conv.InputRounded = on
		}
	}
	for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP, {Compute: precision.BF16, PureWeights: true}} {
		setInPlace(false)
		l0, g0 := lossAndGrads(m, pol, ids, tg, B, T)
		setInPlace(true)
		l1, g1 := lossAndGrads(m, pol, ids, tg, B, T)
		sameBits(t, pol.String()+": through a copy / in place", m, l0, l1, g0, g1)
	}
}

// lossAndGrads runs one training step's forward and backward from zeroed
// gradients and returns the loss and a copy of every gradient.
func lossAndGrads(m *Model, pol precision.Policy, ids, tg []int, B, T int) (float64, [][]float32) {
	nn.ZeroGrads(m.Params())
	loss := lm.Loss(m, pol, ids, tg, B, T, true, 1)
	var gs [][]float32
	for _, p := range m.Params() {
		gs = append(gs, append([]float32(nil), p.G()...))
	}
	return loss, gs
}

// sameBits fails unless two runs' losses and gradients are bit-identical.
func sameBits(t *testing.T, what string, m *Model, l0, l1 float64, g0, g1 [][]float32) {
	t.Helper()
	if math.Float64bits(l0) != math.Float64bits(l1) {
		t.Fatalf("%s: loss %v / %v", what, l0, l1)
	}
	for i, p := range m.Params() {
		for j := range g0[i] {
			if math.Float32bits(g0[i][j]) != math.Float32bits(g1[i][j]) {
				t.Fatalf("%s: %s[%d] %v / %v", what, p.Name, j, g0[i][j], g1[i][j])
			}
		}
	}
}

// New follows mamba_ssm's rules (docs/models.md).
func TestInitStatistics(t *testing.T) {
	c := DefaultConfig(500, 64, 4)
	m, err := New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	mx := m.Layers[2].Mixer
	E, N := c.E(), c.N
	for e := 0; e < E; e++ {
		if mx.Dskip.Value.Data[e] != 1 {
			t.Fatal("D != 1")
		}
		for n := 0; n < N; n++ {
			if got, want := mx.ALog.Value.Data[e*N+n], float32(math.Log(float64(n+1))); got != want {
				t.Fatalf("A_log[%d,%d] = %v, want log(%d)", e, n, got, n+1)
			}
		}
	}
	// softplus(dt bias) is log-uniform on [dt_min, dt_max]: its log has the
	// mean and spread of U(ln 1e-3, ln 0.1).
	var logs []float64
	for _, b := range mx.DtBias.Value.Data {
		dt := float64(nn.Softplus(b))
		if dt < c.DtMin*(1-1e-4) || dt > c.DtMax*(1+1e-4) {
			t.Fatalf("softplus(dt bias) = %v outside [%v, %v]", dt, c.DtMin, c.DtMax)
		}
		logs = append(logs, math.Log(dt))
	}
	mean, sd := meanStd(logs)
	lo, hi := math.Log(c.DtMin), math.Log(c.DtMax)
	if math.Abs(mean-(lo+hi)/2) > 0.5 || math.Abs(sd-(hi-lo)/math.Sqrt(12)) > 0.3 {
		t.Fatalf("log softplus(dt bias): mean %.3f sd %.3f, want %.3f, %.3f", mean, sd, (lo+hi)/2, (hi-lo)/math.Sqrt(12))
	}
	checkUniform := func(name string, xs []float32, bound float64) {
		t.Helper()
		var mx float64
		for _, v := range xs {
			mx = math.Max(mx, math.Abs(float64(v)))
		}
		_, sd := meanStd(f64(xs))
		if mx > bound || mx < 0.9*bound || math.Abs(sd-bound/math.Sqrt(3)) > 0.05*bound {
			t.Fatalf("%s: max |w| %.4g, sd %.4g; want U(±%.4g)", name, mx, sd, bound)
		}
	}
	checkUniform("in_proj", mx.InProj.W.Value.Data, 1/math.Sqrt(64))
	checkUniform("x_proj", mx.XProj.W.Value.Data, 1/math.Sqrt(float64(E)))
	checkUniform("dt_proj", mx.DtProj.W.Value.Data, 1/math.Sqrt(float64(c.R())))
	checkUniform("out_proj", mx.OutProj.W.Value.Data, 1/math.Sqrt(float64(E))/math.Sqrt(4))
	checkUniform("conv1d", mx.Conv.W.Value.Data, 0.5)
	if _, sd := meanStd(f64(m.Emb.W.Value.Data)); math.Abs(sd-0.02) > 0.001 {
		t.Fatalf("embedding sd %.4f, want 0.02", sd)
	}
	m2, _ := New(c, 1)
	m3, _ := New(c, 2)
	if m2.Emb.W.Value.Data[7] != m.Emb.W.Value.Data[7] || m3.Emb.W.Value.Data[7] == m.Emb.W.Value.Data[7] {
		t.Fatal("New is not deterministic by seed")
	}
}

func f64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

func meanStd(xs []float64) (mean, sd float64) {
	for _, v := range xs {
		mean += v
	}
	mean /= float64(len(xs))
	for _, v := range xs {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)))
}

// The reference scan switch gives the fused kernels' logits and gradients
// up to float32 rounding, for every layer at once.
func TestSetScanReference(t *testing.T) {
	c := tinyConfig()
	fused, ref := tiny(t, c, 3), tiny(t, c, 3)
	ref.SetScan(Reference)
	r := rand.New(rand.NewPCG(4, 4))
	B, L := 2, 9
	ids := nntest.RandIDs(r, B*L, c.Vocab)
	targets := nn.ShiftLabels(ids, B, L)
	lf := lm.Loss(fused, precision.FP32Policy, ids, targets, B, L, true, 1)
	lr := lm.Loss(ref, precision.FP32Policy, ids, targets, B, L, true, 1)
	if math.Abs(lf-lr) > 1e-5*math.Abs(lf) {
		t.Fatalf("loss fused %v, reference %v", lf, lr)
	}
	for i, b := range ref.Layers {
		if b.Mixer.scan != Reference || fused.Layers[i].Mixer.scan != Fused {
			t.Fatalf("layer %d: SetScan did not switch it", i)
		}
	}
	pf, pr := fused.Params(), ref.Params()
	for i := range pf {
		for j, g := range pf[i].Grad.Data {
			h := pr[i].Grad.Data[j]
			if math.Abs(float64(g-h)) > 1e-4*(1+math.Abs(float64(g))) {
				t.Fatalf("%s[%d]: fused %v, reference %v", pf[i].Name, j, g, h)
			}
		}
	}
}
