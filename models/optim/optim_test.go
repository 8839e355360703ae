package optim

import (
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// A hand-computed AdamW step: with m0 = v0 = 0 the first update is
// p − lr·g/(|g| + eps·…) ≈ p − lr·sign(g), after decoupled decay.
func TestAdamWFirstStepsByHand(t *testing.T) {
	p := nn.NewParam("w", false, 2)
	p.Value.Data[0], p.Value.Data[1] = 1, -2
	p.Grad.Data[0], p.Grad.Data[1] = 0.5, -0.25
	o := NewAdamW([]*nn.Param{p}, AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1})
	o.Update(0.01, precision.FP32Policy)
	// p = p(1 - 0.001) - 0.01 * g/|g| (bias-corrected moments equal g and g²)
	want0 := 1*(1-0.001) - 0.01*0.5/(0.5+1e-8)
	want1 := -2*(1-0.001) + 0.01*0.25/(0.25+1e-8)
	if math.Abs(float64(p.Value.Data[0])-want0) > 1e-6 || math.Abs(float64(p.Value.Data[1])-want1) > 1e-6 {
		t.Fatalf("step 1: %v, want %v %v", p.Value.Data, want0, want1)
	}
	// second step, gradient unchanged: m̂ = g, v̂ = g², same size step again
	o.Update(0.01, precision.FP32Policy)
	want0 = want0*(1-0.001) - 0.01
	if math.Abs(float64(p.Value.Data[0])-want0) > 1e-5 {
		t.Fatalf("step 2: %v, want %v", p.Value.Data[0], want0)
	}
	// no decay on NoDecay params, frozen params get no state
	q := nn.NewParam("b.bias", true, 1)
	q.Value.Data[0] = 3
	f := nn.NewParam("frozen", false, 1)
	f.Freeze()
	o2 := NewAdamW([]*nn.Param{q, f}, AdamWConfig{WeightDecay: 0.5})
	if len(o2.Params) != 1 {
		t.Fatal("frozen param has optimizer state")
	}
	o2.Update(0.1, precision.FP32Policy) // zero grad: m = v = 0, no update, no decay
	if q.Value.Data[0] != 3 {
		t.Fatalf("no-decay param moved to %v", q.Value.Data[0])
	}
}

func TestPureWeightsRoundAfterUpdate(t *testing.T) {
	p := nn.NewParam("w", false, 1)
	p.Value.Data[0] = 1
	p.Grad.Data[0] = 1
	o := NewAdamW([]*nn.Param{p}, AdamWConfig{})
	pol, _ := precision.ParsePolicy("bf16-pure")
	o.Update(1e-4, pol) // 1 - 1e-4 is below half a bf16 ulp of 1: the update is lost
	if p.Value.Data[0] != 1 {
		t.Fatalf("bf16-pure weight %v, want 1 (update swallowed)", p.Value.Data[0])
	}
}

func TestSchedulesMatchHF(t *testing.T) {
	// HF get_cosine_schedule_with_warmup(opt, 2, 6) at peak 3e-3: the lrs the
	// PyTorch training fixture recorded for its 5 steps.
	s := Schedule{Kind: "cosine", Peak: 3e-3, Warmup: 2, Total: 6}
	want := []float64{0, 0.0015, 0.003, 0.002560660171779821, 0.0015}
	for i, w := range want {
		if got := s.LR(i); math.Abs(got-w) > 1e-12 {
			t.Fatalf("cosine step %d: %v want %v", i, got, w)
		}
	}
	l := Schedule{Kind: "linear", Peak: 1, Warmup: 2, Total: 10}
	for step, w := range map[int]float64{0: 0, 1: 0.5, 2: 1, 6: 0.5, 10: 0, 12: 0} {
		if got := l.LR(step); math.Abs(got-w) > 1e-12 {
			t.Fatalf("linear step %d: %v want %v", step, got, w)
		}
	}
	// HF get_cosine_with_min_lr_schedule_with_warmup(min_lr_rate=0.1): ends at 0.1·peak
	m := Schedule{Kind: "cosine", Peak: 1, Warmup: 0, Total: 10, MinRatio: 0.1}
	if m.LR(0) != 1 || math.Abs(m.LR(5)-0.55) > 1e-12 || math.Abs(m.LR(10)-0.1) > 1e-12 {
		t.Fatalf("min ratio: %v %v %v", m.LR(0), m.LR(5), m.LR(10))
	}
	if (Schedule{Kind: "constant", Peak: 2, Warmup: 4, Total: 5}).LR(10) != 2 {
		t.Fatal("constant")
	}
	if (Schedule{Kind: "cosin", Peak: 1, Total: 1}).Validate() == nil || (Schedule{Kind: "cosine", Total: 1}).Validate() == nil {
		t.Fatal("bad schedules accepted")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := nn.NewParam("a", false, 2)
	b := nn.NewParam("b", false, 1)
	copy(a.Grad.Data, []float32{3, 0})
	b.Grad.Data[0] = 4
	if n := ClipGradNorm([]*nn.Param{a, b}, 10); n != 5 || a.Grad.Data[0] != 3 {
		t.Fatalf("no clip below max: norm %v grad %v", n, a.Grad.Data)
	}
	if n := ClipGradNorm([]*nn.Param{a, b}, 1); n != 5 {
		t.Fatalf("norm %v", n)
	}
	if got := GlobalNorm([]*nn.Param{a, b}); math.Abs(got-1) > 1e-6 {
		t.Fatalf("clipped norm %v, want 1", got)
	}
}

func TestNoDecayRule(t *testing.T) {
	// the same rule as the PyTorch training fixture (tools/make_train_fixtures.py)
	for name, want := range map[string]bool{
		"backbone.layers.0.mixer.A_log":                   true,
		"backbone.layers.0.mixer.D":                       true,
		"backbone.layers.0.mixer.dt_proj.bias":            true,
		"backbone.layers.0.mixer.dt_proj.weight":          false,
		"backbone.norm_f.weight":                          true,
		"backbone.embeddings.weight":                      true,
		"gpt_neox.embed_in.weight":                        true,
		"embed_out.weight":                                false,
		"gpt_neox.layers.1.post_attention_layernorm.bias": true,
		"model.embed_tokens.weight":                       true,
		"lm_head.weight":                                  false,
		"backbone.layers.0.mixer.in_proj.weight":          false,
	} {
		if NoDecayName(name) != want {
			t.Errorf("NoDecayName(%q) = %v", name, !want)
		}
	}
}
