package lora_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
)

func tinyMamba(t *testing.T) *mamba.Model {
	c := mamba.DefaultConfig(13, 8, 2)
	c.N, c.K, c.DtMin, c.DtMax = 4, 3, 0.1, 1
	m, err := mamba.New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Emb.W.Value.Data {
		m.Emb.W.Value.Data[i] *= 50
	}
	return m
}

// Adapters on every linear and the embedding: the model's loss gradient
// with respect to every adapter tensor equals central differences, and
// fresh adapters leave the model's output unchanged.
func TestAllTargetsGradients(t *testing.T) {
	m := tinyMamba(t)
	r := rand.New(rand.NewPCG(2, 3))
	B, T := 2, 5
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = r.IntN(13)
	}
	before := append([]float32(nil), m.Forward(precision.FP32Policy, ids, B, T)...)
	a, err := lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetModules: []string{"in_proj", "x_proj", "dt_proj", "out_proj", "embeddings"}}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if e := testfix.RelMaxErr(m.Forward(precision.FP32Policy, ids, B, T), before); e != 0 {
		t.Fatalf("fresh adapters change the logits by %.3g", e)
	}
	if len(a.Modules()) != 9 {
		t.Fatalf("modules %v", a.Modules())
	}
	for _, p := range a.Params() { // give B (and the embedding's A) values so every path carries signal
		for i := range p.Value.Data {
			p.Value.Data[i] += float32(0.3 * r.NormFloat64())
		}
	}
	tg := nn.ShiftLabels(ids, B, T)
	nn.ZeroGrads(a.Params())
	lm.Loss(m, precision.FP32Policy, ids, tg, B, T, true, 1)
	var vars []nntest.Var
	for _, p := range a.Params() {
		vars = append(vars, nntest.V(p.Name, p.Value.Data, p.Grad.Data))
	}
	loss := func() float64 { return lm.Loss(m, precision.FP32Policy, ids, tg, B, T, false, 1) }
	if err := nntest.Check(loss, vars, nntest.Options{Step: 5e-2, MaxElems: 12}); err != nil {
		t.Fatal(err)
	}
	for _, pol := range []precision.Policy{precision.FP16AMP, precision.BF16AMP} {
		if l := lm.Loss(m, pol, ids, tg, B, T, true, 1); !(l > 0 && l < 100) {
			t.Fatalf("%v: loss %v", pol, l)
		}
	}
}

func TestTargetMatching(t *testing.T) {
	cases := []struct {
		c    lora.Config
		want int    // adapted modules
		err  string // or the error
	}{
		{lora.Config{R: 2, Alpha: 2, TargetRegex: "all-linear"}, 8, ""},
		{lora.Config{R: 2, Alpha: 2, TargetRegex: `backbone\.layers\.1\.mixer\.(x|dt)_proj`}, 2, ""},
		{lora.Config{R: 2, Alpha: 2, TargetModules: []string{"backbone.layers.0.mixer.x_proj", "x_proj"}}, 2, ""},
		{lora.Config{R: 2, Alpha: 2, TargetModules: []string{"x_proj", "conv1d"}}, 0, `target module "conv1d" matches no linear or embedding of this mamba model`},
		{lora.Config{R: 2, Alpha: 2, TargetModules: []string{"x_porj"}}, 0, "did you mean x_proj?"},
		{lora.Config{R: 2, Alpha: 2, TargetModules: []string{"proj"}}, 0, `"proj" matches no`},
		{lora.Config{R: 2, Alpha: 2, TargetRegex: "mixer"}, 0, `pattern "mixer" matches no`},
		{lora.Config{R: 2, Alpha: 2, TargetModules: []string{"x_proj"}, Dropout: 0.1}, 0, "dropout 0.1 is not implemented"},
		{lora.Config{R: 0, Alpha: 2, TargetModules: []string{"x_proj"}}, 0, "rank r = 0"},
	}
	for _, tc := range cases {
		a, err := lora.Apply(tinyMamba(t), tc.c, 1)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: got %v, want %q", tc.c, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%+v: %v", tc.c, err)
		case tc.err == "" && len(a.Modules()) != tc.want:
			t.Errorf("%+v: adapted %v, want %d modules", tc.c, a.Modules(), tc.want)
		}
	}
}

// Bad adapter directories fail with one line naming the file.
func TestLoadErrors(t *testing.T) {
	seed := testfix.SeedDirs(t)[0]
	src := filepath.Join(seed, "lora_mamba")
	cfg, _ := os.ReadFile(filepath.Join(src, "adapter_config.json"))
	weights, _ := os.ReadFile(filepath.Join(src, "adapter_model.safetensors"))
	edit := func(key, val string) []byte {
		var m map[string]json.RawMessage
		json.Unmarshal(cfg, &m)
		m[key] = json.RawMessage(val)
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name string
		cfg  []byte
		w    []byte
		want string
	}{
		{"dora", edit("use_dora", "true"), weights, "option use_dora = true is not supported"},
		{"modules_to_save", edit("modules_to_save", `["lm_head"]`), weights, "option modules_to_save"},
		{"layers", edit("layers_to_transform", `[0]`), weights, "option layers_to_transform"},
		{"bias", edit("bias", `"all"`), weights, `bias "all"`},
		{"type", edit("peft_type", `"IA3"`), weights, `peft_type "IA3"`},
		{"target", edit("target_modules", `["x_proj", "nope"]`), weights, `target module "nope" matches no`},
		{"rank", edit("r", "8"), weights, "has shape [4 32], the model and r=8 imply [8 32]"},
		{"extra target", edit("target_modules", `["x_proj"]`), weights, `unexpected tensor "base_model.model.backbone.layers.0.mixer.in_proj.lora_A.weight"`},
		{"missing tensors", edit("target_modules", `["x_proj", "in_proj", "out_proj"]`), weights, "missing adapter tensor base_model.model.backbone.layers.0.mixer.out_proj.lora_A.weight"},
		{"json", cfg[:40], weights, "adapter_config.json: invalid JSON"},
		{"no weights", cfg, nil, "missing adapter_model.safetensors"},
		{"bad weights", cfg, weights[:100], "not a valid safetensors file"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "adapter_config.json"), tc.cfg, 0o644)
		if tc.w != nil {
			os.WriteFile(filepath.Join(dir, "adapter_model.safetensors"), tc.w, 0o644)
		}
		m, err := hf.Load(filepath.Join(seed, "mamba"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = lora.Load(m, dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line naming %s with %q", tc.name, err, dir, tc.want)
		}
	}
}
