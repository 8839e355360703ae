package mamba

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

func seed0(t *testing.T) string { return filepath.Join(testfix.SeedDirs(t)[0], "mamba") }

func sameParams(t *testing.T, a, b *Model) {
	t.Helper()
	pa, pb := a.Params(), b.Params()
	if len(pa) != len(pb) {
		t.Fatalf("%d vs %d params", len(pa), len(pb))
	}
	for i, p := range pa {
		if p.Name != pb[i].Name || !bitsEqual(p.Value.Data, pb[i].Value.Data) {
			t.Fatalf("param %s differs after the round trip", p.Name)
		}
	}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// Save then hf.Load gives the same model bit for bit, for every variant of
// the block; the config keeps HF's field names and the fixture's extra keys.
func TestSaveLoadBitIdentical(t *testing.T) {
	lmm, err := hf.Load(seed0(t))
	if err != nil {
		t.Fatal(err)
	}
	models := []*Model{lmm.(*Model)}
	for _, v := range []struct{ untied, bias, convBias bool }{{true, true, false}, {false, false, true}} {
		c := tinyConfig()
		c.Untied, c.Bias, c.ConvBias = v.untied, v.bias, v.convBias
		models = append(models, tiny(t, c, 3))
	}
	for _, m := range models {
		dir := t.TempDir()
		if err := hf.Save(dir, m); err != nil {
			t.Fatal(err)
		}
		back, err := hf.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		sameParams(t, m, back.(*Model))
		f := testfix.Read(t, filepath.Join(dir, "model.safetensors"))
		if f.Has("lm_head.weight") == !m.Cfg.Untied {
			t.Fatalf("untied=%v: lm_head.weight stored = %v", m.Cfg.Untied, f.Has("lm_head.weight"))
		}
		var cfg map[string]any
		raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		// transformers 5 refuses an integer in a float field ("time_step_scale": 1)
		if !bytes.Contains(raw, []byte(`"time_step_scale": 1.0`)) || !bytes.Contains(raw, []byte(`"time_step_floor": 0.0001`)) {
			t.Fatalf("float settings not written as Python floats:\n%s", raw)
		}
		// transformers re-applies rescale_prenorm_residual to loaded weights
		if !bytes.Contains(raw, []byte(`"rescale_prenorm_residual": false`)) {
			t.Fatalf("saved config must not ask HF to rescale loaded weights:\n%s", raw)
		}
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"model_type", "architectures", "hidden_size", "state_size", "num_hidden_layers",
			"intermediate_size", "time_step_rank", "conv_kernel", "expand", "use_bias", "use_conv_bias",
			"layer_norm_epsilon", "tie_word_embeddings", "vocab_size", "residual_in_fp32", "bos_token_id"} {
			if _, ok := cfg[k]; !ok {
				t.Fatalf("saved config.json lacks %q", k)
			}
		}
		if cfg["model_type"] != "mamba" || cfg["architectures"].([]any)[0] != "MambaForCausalLM" {
			t.Fatalf("config %v", cfg)
		}
		c2, _ := ParseConfig("config.json", raw)
		c2.Extra, m.Cfg.Extra = nil, nil
		if c2.D != m.Cfg.D || c2.R() != m.Cfg.R() || c2.Untied != m.Cfg.Untied || c2.Bias != m.Cfg.Bias || c2.Eps != m.Cfg.Eps {
			t.Fatalf("config round trip: %+v vs %+v", c2, m.Cfg)
		}
	}
}

// writeDir writes a model directory from tensors and a config.
func writeDir(t *testing.T, cfg string, ts []safetensors.Tensor) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if ts != nil {
		if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fixtureTensors returns seed 0's weights, renamed and converted by fn.
func fixtureTensors(t *testing.T, fn func(name string, shape []int, x []float32) safetensors.Tensor) []safetensors.Tensor {
	f := testfix.Read(t, filepath.Join(seed0(t), "model.safetensors"))
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		x, shape, err := f.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, fn(n, shape, x))
	}
	return ts
}

// A plain mamba_ssm directory (legacy config keys, no model_type, singular
// "backbone.embedding.", "auto" dt rank, padded vocabulary) loads and gives
// the HF fixture's logits; BF16 weights and sharded files load too.
func TestLoadLegacyShardedAndHalfCheckpoints(t *testing.T) {
	ref := testfix.Read(t, filepath.Join(seed0(t), "reference.safetensors"))
	ids, B, T := testfix.IDsOf(t, ref, "input_ids")
	want := testfix.Float32(t, ref, "logits")
	legacy := `{"d_model": 32, "n_layer": 2, "vocab_size": 61, "pad_vocab_size_multiple": 8,
		"ssm_cfg": {"d_state": 8, "d_conv": 4, "expand": 2, "dt_rank": "auto", "layer": "Mamba1"},
		"rms_norm": true, "residual_in_fp32": true, "fused_add_norm": true, "tie_embeddings": true}`
	dir := writeDir(t, legacy, fixtureTensors(t, func(n string, s []int, x []float32) safetensors.Tensor {
		return safetensors.F32Tensor(strings.Replace(n, "backbone.embeddings.", "backbone.embedding.", 1), s, x)
	}))
	m, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.VocabSize() != 64 || m.(*Model).Cfg.R() != 2 {
		t.Fatalf("legacy config: vocab %d (want 61 padded to 64), rank %d", m.VocabSize(), m.(*Model).Cfg.R())
	}
	if e := testfix.RelMaxErr(m.Forward(precision.FP32Policy, ids, B, T), want); e > logitTol {
		t.Fatalf("legacy checkpoint logits differ by %.3g", e)
	}

	hfCfg, _ := os.ReadFile(filepath.Join(seed0(t), "config.json"))
	bf := writeDir(t, string(hfCfg), fixtureTensors(t, func(n string, s []int, x []float32) safetensors.Tensor {
		return safetensors.FromFloat32(n, safetensors.BF16, s, x)
	}))
	mb, err := hf.Load(bf)
	if err != nil {
		t.Fatal(err)
	}
	w := mb.(*Model).Layers[1].Mixer.XProj.W.Value.Data
	orig := testfix.Float32(t, testfix.Read(t, filepath.Join(seed0(t), "model.safetensors")), "backbone.layers.1.mixer.x_proj.weight")
	for i := range w {
		if w[i] != precision.RoundBF16(orig[i]) {
			t.Fatal("BF16 weights not converted")
		}
	}

	sh := writeDir(t, string(hfCfg), nil)
	ts := fixtureTensors(t, safetensors.F32Tensor)
	index := map[string]any{"metadata": map[string]any{}, "weight_map": map[string]string{}}
	for i, shard := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		part := ts[i*len(ts)/2 : (i+1)*len(ts)/2]
		for _, x := range part {
			index["weight_map"].(map[string]string)[x.Name] = shard
		}
		if err := safetensors.WriteFile(filepath.Join(sh, shard), part, nil); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(index)
	os.WriteFile(filepath.Join(sh, "model.safetensors.index.json"), raw, 0o644)
	ms, err := hf.Load(sh)
	if err != nil {
		t.Fatal(err)
	}
	if e := testfix.RelMaxErr(ms.Forward(precision.FP32Policy, ids, B, T), want); e > logitTol {
		t.Fatalf("sharded checkpoint logits differ by %.3g", e)
	}
}

// Bad checkpoints fail with one line naming the file and the problem.
func TestLoadErrors(t *testing.T) {
	hfCfg, _ := os.ReadFile(filepath.Join(seed0(t), "config.json"))
	good := string(hfCfg)
	all := func(n string, s []int, x []float32) safetensors.Tensor { return safetensors.F32Tensor(n, s, x) }
	drop := func(name string) []safetensors.Tensor {
		var out []safetensors.Tensor
		for _, x := range fixtureTensors(t, all) {
			if x.Name != name {
				out = append(out, x)
			}
		}
		return out
	}
	edit := func(key, val string) string {
		var m map[string]json.RawMessage
		json.Unmarshal(hfCfg, &m)
		if val == "" {
			delete(m, key)
		} else {
			m[key] = json.RawMessage(val)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name, cfg string
		ts        []safetensors.Tensor
		want      string
	}{
		{"missing weight", good, drop("backbone.layers.1.mixer.D"), "missing weights backbone.layers.1.mixer.D"},
		{"wrong shape", edit("state_size", "4"), fixtureTensors(t, all), "the config implies [64 4]"},
		{"unknown type", edit("model_type", `"mamba3"`), nil, `unknown model_type "mamba3"`},
		{"broken json", good[:len(good)/2], nil, "config.json: invalid JSON"},
		{"activation", edit("hidden_act", `"gelu"`), nil, `hidden_act "gelu"`},
		{"rank", edit("time_step_rank", `"big"`), nil, `time_step_rank: "big" is neither`},
		{"no width", edit("hidden_size", ""), nil, "missing hidden_size (or d_model)"},
		{"disagree", edit("d_model", "48"), nil, "hidden_size = 32 and d_model = 48 disagree"},
		{"inner", edit("intermediate_size", "65"), nil, "intermediate size 65"},
		{"layernorm", edit("rms_norm", "false"), nil, "rms_norm false"},
		{"mlp", edit("d_intermediate", "128"), nil, "d_intermediate 128"},
		{"string width", edit("hidden_size", `"32"`), nil, `hidden_size: "32" is not a int`},
	}
	for _, tc := range cases {
		dir := writeDir(t, tc.cfg, tc.ts)
		_, err := hf.Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") ||
			!strings.Contains(err.Error(), dir) {
			t.Errorf("%s: got %v, want one line naming %s with %q", tc.name, err, dir, tc.want)
		}
	}
	dir := writeDir(t, `{"d_model": 32, "n_layer": 2, "vocab_size": 64}`, nil)
	os.WriteFile(filepath.Join(dir, "pytorch_model.bin"), []byte("pickle"), 0o644)
	if _, err := hf.Load(dir); err == nil || !strings.Contains(err.Error(), "pytorch_model.bin: not a PyTorch checkpoint") {
		t.Errorf("pytorch_model.bin: %v", err)
	}
}

// No config.json makes ParseConfig panic, and whatever it accepts builds.
func FuzzParseConfig(f *testing.F) {
	raw, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", "seed0", "mamba", "config.json"))
	f.Add(raw)
	f.Add([]byte(`{"d_model": 8, "n_layer": 1, "vocab_size": 5, "ssm_cfg": {"d_state": 2, "dt_rank": "auto"}}`))
	f.Add([]byte(`{"hidden_size": 1e30, "num_hidden_layers": 1, "vocab_size": 5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("config.json", data)
		if err != nil {
			return
		}
		if c.paramCount() < 1e6 {
			if _, err := NewZero(c); err != nil {
				t.Fatalf("accepted config does not build: %v", err)
			}
		}
	})
}
