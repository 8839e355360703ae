package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

var fp32 = precision.FP32Policy

func tiny(t testing.TB, radius float64, h int) *RNN {
	t.Helper()
	c := DefaultConfig(13, h)
	c.D, c.Radius, c.InitRange = 5, radius, 0.3
	m, err := NewZero(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	return m
}

func randIDs(r *rand.Rand, n, v int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = r.IntN(v)
	}
	return ids
}

// BPTT gradients of every parameter agree with finite differences.
func TestBackwardGradients(t *testing.T) {
	for _, radius := range []float64{0.5, 1.5} {
		m := tiny(t, radius, 7)
		copy(m.In.B.Value.Data, nntest.Rand(rand.New(rand.NewPCG(1, 1)), 7, 0.3))
		r := rand.New(rand.NewPCG(2, 3))
		B, T := 2, 6
		ids := randIDs(r, B*T, 13)
		tg := nn.ShiftLabels(ids, B, T)
		nn.ZeroGrads(m.Params())
		lm.Loss(m, fp32, ids, tg, B, T, true, 1)
		var vars []nntest.Var
		for _, p := range m.Params() {
			vars = append(vars, nntest.V(p.Name, p.Value.Data, p.G()))
		}
		err := nntest.Check(func() float64 { return lm.Loss(m, fp32, ids, tg, B, T, false, 1) }, vars, nntest.Options{MaxElems: 20})
		if err != nil {
			t.Fatalf("radius %v: %v", radius, err)
		}
	}
}

// Init draws W with exactly the requested spectral radius.
func TestSpectralRadius(t *testing.T) {
	for _, rho := range []float64{0.5, 1, 2} {
		m := tiny(t, rho, 32)
		if got := SpectralRadius(m.Rec.W.Value.Data, 32); math.Abs(got-rho) > 1e-4*rho {
			t.Fatalf("spectral radius %v, want %v", got, rho)
		}
	}
	// a rotation by 90° has eigenvalues ±i
	if got := SpectralRadius([]float32{0, -2, 2, 0}, 2); math.Abs(got-2) > 1e-12 {
		t.Fatalf("rotation: %v", got)
	}
}

// Step run over a sequence and Readout give Forward's logits; JVP is the
// derivative of Step.
func TestStepAndJVP(t *testing.T) {
	m := tiny(t, 1.5, 9)
	r := rand.New(rand.NewPCG(4, 5))
	B, T, H, V := 2, 5, 9, 13
	ids := randIDs(r, B*T, V)
	want := m.Forward(fp32, ids, B, T)
	h, next, logits := make([]float32, B*H), make([]float32, B*H), make([]float32, B*V)
	for t0 := 0; t0 < T; t0++ {
		m.Step(fp32, next, h, []int{ids[t0], ids[T+t0]})
		h, next = next, h
		m.Readout(fp32, logits, h)
		for b := 0; b < B; b++ {
			for j := 0; j < V; j++ {
				if d := logits[b*V+j] - want[(b*T+t0)*V+j]; math.Abs(float64(d)) > 1e-6 {
					t.Fatalf("step %d row %d: %v vs %v", t0, b, logits[b*V+j], want[(b*T+t0)*V+j])
				}
			}
		}
	}
	// JVP against central differences of Step in float64-ish steps
	v := nntest.Rand(r, B*H, 1)
	m.Step(fp32, next, h, []int{3, 4})
	jv := make([]float32, B*H)
	m.JVP(jv, next, v)
	const eps = 1e-3
	hp, hm, np, nm := make([]float32, B*H), make([]float32, B*H), make([]float32, B*H), make([]float32, B*H)
	for i := range h {
		hp[i], hm[i] = h[i]+eps*v[i], h[i]-eps*v[i]
	}
	m.Step(fp32, np, hp, []int{3, 4})
	m.Step(fp32, nm, hm, []int{3, 4})
	for i := range jv {
		if fd := (np[i] - nm[i]) / (2 * eps); math.Abs(float64(fd-jv[i])) > 2e-3 {
			t.Fatalf("JVP[%d] = %v, finite difference %v", i, jv[i], fd)
		}
	}
}

// lyapunovMax estimates the largest Lyapunov exponent of the input-driven
// recurrence by propagating a tangent vector with JVP and renormalising.
func lyapunovMax(m *RNN, steps int, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	H := m.Cfg.H
	h, next := make([]float32, H), make([]float32, H)
	v, jv := nntest.Rand(r, H, 1), make([]float32, H)
	var sum float64
	for t := 0; t < steps; t++ {
		m.Step(fp32, next, h, []int{r.IntN(m.Cfg.Vocab)})
		h, next = next, h
		m.JVP(jv, h, v)
		n := math.Sqrt(nntest.Dot(jv, jv))
		if t >= 100 { // skip the transient
			sum += math.Log(n)
		}
		for i := range v {
			v[i] = jv[i] / float32(n)
		}
	}
	return sum / float64(steps-100)
}

// The control does its job: radius 2 gives a positive largest exponent,
// radius 0.5 a negative one (below log 0.5).
func TestLyapunovSign(t *testing.T) {
	c := DefaultConfig(16, 64)
	for _, tc := range []struct {
		rho      float64
		positive bool
	}{{2, true}, {0.5, false}} {
		c.Radius = tc.rho
		m, _ := NewZero(c)
		m.Init(3)
		l := lyapunovMax(m, 2100, 7)
		if (l > 0) != tc.positive || (!tc.positive && l > math.Log(0.5)) {
			t.Fatalf("radius %v: largest exponent %.3f", tc.rho, l)
		}
		t.Logf("radius %v: largest Lyapunov exponent %.3f", tc.rho, l)
	}
}

// Every policy runs; 16-bit logits lie on the grid.
func TestPolicies(t *testing.T) {
	m := tiny(t, 1.2, 8)
	ids := randIDs(rand.New(rand.NewPCG(6, 7)), 12, 13)
	for _, s := range []string{"fp32", "fp16", "bf16", "fp16-pure", "bf16-pure"} {
		pol, _ := precision.ParsePolicy(s)
		nn.ZeroGrads(m.Params())
		loss := lm.Loss(m, pol, ids, nn.ShiftLabels(ids, 2, 6), 2, 6, true, 1)
		if math.IsNaN(loss) || !precision.AllFinite(m.Rec.W.G()) {
			t.Fatalf("%s: loss %v", s, loss)
		}
		for _, v := range m.Forward(pol, ids, 2, 6) {
			if pol.Compute.Round(v) != v {
				t.Fatalf("%s: logit off grid", s)
			}
		}
	}
}

func ExampleNew() {
	cfg := DefaultConfig(50, 16) // V = 50, D = H = 16
	cfg.Radius = 2
	m, _ := NewZero(cfg)
	m.Init(0)
	h, next := make([]float32, 16), make([]float32, 16)
	m.Step(precision.FP32Policy, next, h, []int{7})
	fmt.Printf("ρ(W) = %.3f, %d parameters, state %d\n", SpectralRadius(m.Rec.W.Value.Data, 16), m.paramCount(), m.StateSize())
	// Output: ρ(W) = 2.000, 2178 parameters, state 16
}

func (m *RNN) paramCount() int { n, _ := nn.Count(m.Params()); return n }
