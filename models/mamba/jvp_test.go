package mamba

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"

	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// warmState runs a few tokens so the states are not zero.
func warmState(m *Model, r *rand.Rand, B, steps int) *State {
	st := m.NewState(B)
	for i := 0; i < steps; i++ {
		m.Step(precision.FP32Policy, nntest.RandIDs(r, B, m.Cfg.Vocab), st)
	}
	return st
}

func randState(r *rand.Rand, m *Model, B int) *State {
	s := m.NewState(B)
	for _, l := range s.Layers {
		copy(l.Conv, nntest.Rand(r, len(l.Conv), 1))
		copy(l.SSM, nntest.Rand(r, len(l.SSM), 1))
	}
	return s
}

// parts lists the states and the logits, the outputs StepJVP maps, each
// compared on its own scale.
func parts(s *State, logits []float32) map[string][]float32 {
	out := map[string][]float32{"logits": logits}
	for i, l := range s.Layers {
		out[fmt.Sprint("conv.", i)], out[fmt.Sprint("ssm.", i)] = l.Conv, l.SSM
	}
	return out
}

// axpyState returns s + a·v.
func axpyState(s *State, a float32, v *State) *State {
	c := s.Clone()
	for i, l := range c.Layers {
		for j := range l.Conv {
			l.Conv[j] += a * v.Layers[i].Conv[j]
		}
		for j := range l.SSM {
			l.SSM[j] += a * v.Layers[i].SSM[j]
		}
	}
	return c
}

// StepJVP equals central differences of Step along random directions of
// every state and of the input embedding.
func TestStepJVPMatchesFiniteDifferences(t *testing.T) {
	c := tinyConfig()
	c.K = 4
	m := tiny(t, c, 21)
	r := rand.New(rand.NewPCG(22, 23))
	B := 2
	for trial := 0; trial < 3; trial++ {
		st := warmState(m, r, B, 5)
		tan := randState(r, m, B)
		dx0 := nntest.Rand(r, B*c.D, 1)
		ids := nntest.RandIDs(r, B, c.Vocab)
		run := func(a float32) map[string][]float32 {
			s := axpyState(st, a, tan)
			x := make([]float32, B*c.D)
			m.Emb.Forward(x, ids)
			for i := range x {
				x[i] += a * dx0[i]
			}
			return parts(s, m.StepEmbedded(precision.FP32Policy, x, s))
		}
		const h = 5e-3
		plus, minus := run(h), run(-h)
		st2, tan2 := st.Clone(), tan.Clone()
		logits, dlogits := m.StepJVP(ids, dx0, st2, tan2)
		primal, jvp, base := parts(st2, logits), parts(tan2, dlogits), run(0)
		for name, p := range plus {
			numeric := make([]float32, len(p))
			for i := range p {
				numeric[i] = (p[i] - minus[name][i]) / (2 * h)
			}
			if e := relErr(primal[name], base[name]); e > 1e-6 {
				t.Fatalf("%s: StepJVP's primal differs from Step by %.3g", name, e)
			}
			if e := relErr(jvp[name], numeric); e > 2e-4 {
				t.Fatalf("trial %d %s: JVP differs from central differences by %.3g of its largest value", trial, name, e)
			}
		}
	}
}

// With a fixed layer input and no conv tangent, a mixer's state Jacobian is
// exactly diagonal: dh ← exp(ΔA) ⊙ dh.
func TestMixerJVPIsDiagonalForFixedInput(t *testing.T) {
	c := tinyConfig()
	m := tiny(t, c, 31)
	r := rand.New(rand.NewPCG(32, 33))
	B := 2
	mx := m.Layers[1].Mixer
	st := warmState(m, r, B, 4).Layers[1]
	tan := LayerState{Conv: make([]float32, len(st.Conv)), SSM: nntest.Rand(r, len(st.SSM), 1)}
	dh0 := append([]float32(nil), tan.SSM...)
	in := nntest.Rand(r, B*c.D, 1)
	out, dout := make([]float32, B*c.D), make([]float32, B*c.D)
	mx.StepJVP(out, dout, in, nil, st, tan, B)
	A := mx.A()
	for b := 0; b < B; b++ {
		for e := 0; e < mx.E; e++ {
			delta := mx.step.delta[b*mx.E+e]
			for n := 0; n < mx.N; n++ {
				j := (b*mx.E+e)*mx.N + n
				if want := kern.Exp(delta*A[e*mx.N+n]) * dh0[j]; tan.SSM[j] != want {
					t.Fatalf("dh[%d] = %v, want exp(ΔA)·dh = %v", j, tan.SSM[j], want)
				}
				if want := kern.Exp(delta * A[e*mx.N+n]); !(want > 0 && want < 1) {
					t.Fatal(fmt.Sprint("exp(ΔA) = ", want, " not in (0, 1)"))
				}
			}
		}
	}
}

func relErr(got, want []float32) float64 {
	var d, s float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i]-want[i])))
		s = math.Max(s, math.Abs(float64(want[i])))
	}
	return d / s
}
