package hybrid

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

func tinyConfig(mixers ...string) Config {
	c := DefaultConfig(19, 8, 2*len(mixers), mixers...)
	c.Mamba.N, c.Mamba2.N, c.Mamba2.HeadDim = 4, 4, 8
	c.Heads, c.KVHeads = 2, 1
	return c
}

func ids(r *rand.Rand, n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = r.IntN(v)
	}
	return out
}

// The pattern repeats over the depth, as Jamba's blocks do.
func TestPatternRepeats(t *testing.T) {
	m, err := New(tinyConfig(Mamba, Mamba, Attention), 1)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, b := range m.Layers {
		kinds = append(kinds, b.Kind)
	}
	want := []string{Mamba, Mamba, Attention, Mamba, Mamba, Attention}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("layers %v, want %v", kinds, want)
		}
	}
	if got := m.SSMLayers(); len(got) != 4 || got[2] != 3 {
		t.Errorf("SSMLayers = %v", got)
	}
}

// The whole model's gradients equal central differences, through every
// kind of mixer.
func TestModelGradients(t *testing.T) {
	m, err := New(tinyConfig(Mamba, Attention, Mamba2), 3)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range m.Params() { // away from the symmetric init
		for i := range p.Value.Data {
			p.Value.Data[i] += float32(0.05 * r.NormFloat64())
		}
	}
	B, T := 2, 5
	x := ids(r, B*T, m.Cfg.Vocab)
	tg := nn.ShiftLabels(x, B, T)
	nn.ZeroGrads(m.Params())
	lm.Loss(m, precision.FP32Policy, x, tg, B, T, true, 1)
	loss := func() float64 { return lm.Loss(m, precision.FP32Policy, x, tg, B, T, false, 1) }
	var vars []nntest.Var
	for _, p := range m.Params() {
		vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
	}
	if err := nntest.Check(loss, vars, nntest.Options{Step: 2e-2, Floor: 2e-3, MaxElems: 12}); err != nil {
		t.Fatal(err)
	}
}

// A hybrid trains (the loss falls under plain SGD) and its
// directory round-trips bit for bit; bad config.json files fail with one
// line naming the file.
func TestTrainSaveLoad(t *testing.T) {
	m, err := New(tinyConfig(Mamba, Mamba2, Attention), 5)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(6, 6))
	B, T := 2, 8
	x := ids(r, B*T, 5) // a small alphabet: learnable bigrams
	tg := nn.ShiftLabels(x, B, T)
	first := 0.0
	for step := 0; step < 30; step++ {
		nn.ZeroGrads(m.Params())
		l := lm.Loss(m, precision.FP32Policy, x, tg, B, T, true, 1)
		if step == 0 {
			first = l
		}
		for _, p := range m.Params() {
			for i, g := range p.Grad.Data {
				p.Value.Data[i] -= 0.05 * g
			}
		}
	}
	last := lm.Loss(m, precision.FP32Policy, x, tg, B, T, false, 1)
	if !(last < first-0.1) {
		t.Fatalf("loss %v -> %v: not training", first, last)
	}
	dir := t.TempDir()
	if err := hf.Save(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := append([]float32(nil), m.Forward(precision.FP32Policy, x, B, T)...)
	b := back.Forward(precision.FP32Policy, x, B, T)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("logit %d: %v after the round trip, %v before", i, b[i], a[i])
		}
	}
	for raw, want := range map[string]string{
		`{"model_type": "hybrid"}`: `missing`,
		`{"model_type": "hybrid", "vocab_size": 4, "hidden_size": 8, "num_hidden_layers": 1, "mixers": ["s4"], "layer_norm_epsilon": 1e-5, "state_size": 4, "expand": 2, "conv_kernel": 4, "time_step_rank": 1, "mamba2_state_size": 4, "mamba2_head_dim": 8, "num_attention_heads": 2, "num_key_value_heads": 2, "rope_theta": 10000}`: `unknown mixer kind "s4"`,
		`{"model_type": "hybrid", "mixer": []}`: `unknown key "mixer"`,
	} {
		if _, err := ParseHFConfig("x/config.json", []byte(raw)); err == nil || !strings.Contains(err.Error(), "x/config.json") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}
