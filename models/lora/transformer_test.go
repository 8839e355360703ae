package lora_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// LoRA on every linear of GPT-NeoX and Llama, named as PEFT names them: the
// loss gradient with respect to every adapter tensor equals central
// differences, and the frozen base gets no gradient. Attention adapters get
// gradients of ~1e-5 whose elementwise differences drown in float32 noise
// (the loss is float32), so each tensor is checked along its gradient
// direction to 1%, and elementwise with a floor of 3e-3.
func TestTransformerAdapterGradients(t *testing.T) {
	neox, err := transformer.NewGPTNeoXZero(transformer.DefaultGPTNeoXConfig(17, 16, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	neox.Init(3)
	llama, err := transformer.NewLlamaZero(transformer.DefaultLlamaConfig(17, 16, 2, 4))
	if err != nil {
		t.Fatal(err)
	}
	llama.Init(3)
	cases := []struct {
		m       lm.Model
		targets []string
		modules int
	}{
		{neox, []string{"query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"}, 8},
		{llama, []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}, 14},
	}
	for _, c := range cases {
		r := rand.New(rand.NewPCG(4, 5))
		B, T := 2, 6
		ids := make([]int, B*T)
		for i := range ids {
			ids[i] = r.IntN(17)
		}
		a, err := lora.Apply(c.m, lora.Config{R: 2, Alpha: 4, TargetModules: c.targets}, 9)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Modules()) != c.modules {
			t.Fatalf("%s: %d adapted modules, want %d: %v", c.m.Arch(), len(a.Modules()), c.modules, a.Modules())
		}
		for _, p := range a.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] += float32(0.1 * r.NormFloat64())
			}
		}
		tg := nn.ShiftLabels(ids, B, T)
		nn.ZeroGrads(a.Params())
		lm.Loss(c.m, precision.FP32Policy, ids, tg, B, T, true, 1)
		for _, p := range c.m.Params() {
			if p.Grad != nil {
				t.Fatalf("%s: frozen base weight %s has a gradient", c.m.Arch(), p.Name)
			}
		}
		var vars []nntest.Var
		for _, p := range a.Params() {
			vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
		}
		loss := func() float64 { return lm.Loss(c.m, precision.FP32Policy, ids, tg, B, T, false, 1) }
		if err := nntest.CheckDirection(loss, vars, 5e-3, 1e-2); err != nil {
			t.Fatalf("%s: %v", c.m.Arch(), err)
		}
		if err := nntest.Check(loss, vars, nntest.Options{Step: 2e-2, Floor: 3e-3, MaxElems: 8}); err != nil {
			t.Fatalf("%s: %v", c.m.Arch(), err)
		}
	}
}
