package transformer

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

// The attention mixer's Backward (input and both projections) equals
// central differences, with multi-head and grouped K/V heads.
func TestAttentionMixerGradients(t *testing.T) {
	for _, kv := range []int{4, 2} {
		a, err := NewAttention("mixer", 16, 4, kv, 10000)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, uint64(kv)))
		a.Init(r, 0.3)
		B, T, D := 2, 5, 16
		in, rr := nntest.Rand(r, B*T*D, 1), nntest.Rand(r, B*T*D, 1)
		out, dx := make([]float32, B*T*D), make([]float32, B*T*D)
		loss := func() float64 { a.Forward(precision.FP32Policy, out, in, B, T); return nntest.Dot(out, rr) }
		loss()
		nn.ZeroGrads(a.Params())
		a.Backward(precision.FP32Policy, dx, rr)
		vars := []nntest.Var{nntest.V("in", in, dx)}
		for _, p := range a.Params() {
			vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
		}
		if err := nntest.Check(loss, vars, nntest.Options{MaxElems: 24}); err != nil {
			t.Fatalf("kv heads %d: %v", kv, err)
		}
	}
}

// Causality: changing the last token's input changes no earlier output.
func TestAttentionMixerCausal(t *testing.T) {
	a, _ := NewAttention("mixer", 8, 2, 2, 10000)
	r := rand.New(rand.NewPCG(3, 3))
	a.Init(r, 0.5)
	T, D := 4, 8
	in := nntest.Rand(r, T*D, 1)
	out1, out2 := make([]float32, T*D), make([]float32, T*D)
	a.Forward(precision.FP32Policy, out1, in, 1, T)
	in[(T-1)*D] += 1
	a.Forward(precision.FP32Policy, out2, in, 1, T)
	for i := 0; i < (T-1)*D; i++ {
		if out1[i] != out2[i] {
			t.Fatalf("output %d changed with the last token", i)
		}
	}
	if out1[(T-1)*D] == out2[(T-1)*D] && out1[T*D-1] == out2[T*D-1] {
		t.Fatal("the last output did not change")
	}
}

func TestNewAttentionErrors(t *testing.T) {
	for _, c := range [][3]int{{16, 3, 3}, {16, 4, 3}, {6, 2, 2}} {
		if _, err := NewAttention("m", c[0], c[1], c[2], 10000); err == nil {
			t.Errorf("d %d heads %d kv %d accepted", c[0], c[1], c[2])
		}
	}
}
