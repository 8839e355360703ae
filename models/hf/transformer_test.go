package hf_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/rnn"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// fixtureCopy copies a fixture's model directory into a temp dir, with
// edit applied to its config.json object.
func fixtureCopy(t *testing.T, model string, edit func(cfg map[string]any)) string {
	t.Helper()
	src := testfix.Dirs(t, model)[0]
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	out, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(dir, "config.json"), out, 0o644)
	w, err := os.ReadFile(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "model.safetensors"), w, 0o644)
	return dir
}

func logitsOf(t *testing.T, m lm.Model) []float32 {
	ids := []int{1, 5, 2, 7, 3, 0, 4, 6}
	return m.Forward(precision.FP32Policy, ids, 2, 4)
}

func load(t *testing.T, dir string) lm.Model {
	t.Helper()
	m, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A Pythia-era config (rotary_pct, rotary_emb_base, no rope_parameters,
// no attention_bias) and a 4.x Llama config (top-level rope_theta,
// rope_scaling null, no head_dim) read as their transformers-5 forms do.
func TestOlderConfigKeys(t *testing.T) {
	neox := fixtureCopy(t, "gpt_neox", func(c map[string]any) {
		rp := c["rope_parameters"].(map[string]any)
		c["rotary_pct"], c["rotary_emb_base"] = rp["partial_rotary_factor"], rp["rope_theta"]
		delete(c, "rope_parameters")
		delete(c, "attention_bias")
		c["rope_scaling"] = nil
	})
	llama := fixtureCopy(t, "llama", func(c map[string]any) {
		c["rope_theta"] = c["rope_parameters"].(map[string]any)["rope_theta"]
		delete(c, "rope_parameters")
		delete(c, "head_dim")
		c["rope_scaling"] = nil
	})
	for model, dir := range map[string]string{"gpt_neox": neox, "llama": llama} {
		want := logitsOf(t, load(t, testfix.Dirs(t, model)[0]))
		if e, _ := testfix.RelErr(logitsOf(t, load(t, dir)), want); e != 0 {
			t.Errorf("%s: older config keys change the logits by %.3g", model, e)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(neox, "config.json"))
	c, err := transformer.ParseGPTNeoXConfig("config.json", raw)
	if err != nil || c.RotaryPct != 0.25 || c.RopeTheta != 10000 || !c.Bias {
		t.Fatalf("%+v %v", c, err)
	}
}

// Bad configs and checkpoints give one line naming the file and the problem.
func TestBadConfigsAndCheckpoints(t *testing.T) {
	cases := map[string]struct {
		model string
		edit  func(map[string]any)
		want  string
	}{
		"missing size":   {"gpt_neox", func(c map[string]any) { delete(c, "hidden_size") }, `missing "hidden_size"`},
		"rope scaling":   {"llama", func(c map[string]any) { c["rope_scaling"] = map[string]any{"type": "linear", "factor": 2.0} }, `rope_type "linear" is not implemented`},
		"rope type":      {"gpt_neox", func(c map[string]any) { c["rope_parameters"].(map[string]any)["rope_type"] = "yarn" }, `rope_type "yarn"`},
		"activation":     {"gpt_neox", func(c map[string]any) { c["hidden_act"] = "gelu_new" }, `hidden_act "gelu_new" is not implemented`},
		"llama act":      {"llama", func(c map[string]any) { c["hidden_act"] = "gelu" }, `hidden_act "gelu"`},
		"heads":          {"gpt_neox", func(c map[string]any) { c["num_attention_heads"] = 5 }, "not divisible"},
		"odd rotary":     {"gpt_neox", func(c map[string]any) { c["rope_parameters"].(map[string]any)["partial_rotary_factor"] = 0.375 }, "must be even"},
		"gqa":            {"llama", func(c map[string]any) { c["num_key_value_heads"] = 3 }, "not a multiple"},
		"llama partial":  {"llama", func(c map[string]any) { c["partial_rotary_factor"] = 0.5 }, "partial_rotary_factor 0.5 is not supported"},
		"wrong type":     {"llama", func(c map[string]any) { c["hidden_size"] = "big" }, "config.json: json: cannot unmarshal"},
		"shape":          {"llama", func(c map[string]any) { c["intermediate_size"] = 7 }, "has shape"},
		"missing weight": {"llama", func(c map[string]any) { c["num_hidden_layers"] = 3 }, "missing weights model.layers.2"},
		"extra weight":   {"gpt_neox", func(c map[string]any) { c["num_hidden_layers"] = 1 }, `unexpected tensor "gpt_neox.layers.1`},
		"bias absent":    {"llama", func(c map[string]any) { c["attention_bias"] = true }, "missing weights model.layers.0.self_attn.k_proj.bias"},
		"olmo clip":      {"olmo", func(c map[string]any) { c["clip_qkv"] = -1.0 }, "clip_qkv -1 must be positive"},
		"olmo act":       {"olmo", func(c map[string]any) { c["hidden_act"] = "gelu" }, `hidden_act "gelu" is not implemented for olmo`},
		"olmo untied":    {"olmo", func(c map[string]any) { c["tie_word_embeddings"] = false }, "missing weights lm_head.weight"},
		"olmo size":      {"olmo", func(c map[string]any) { delete(c, "intermediate_size") }, `missing "intermediate_size"`},
	}
	for name, tc := range cases {
		dir := fixtureCopy(t, tc.model, tc.edit)
		_, err := hf.Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") ||
			!strings.Contains(err.Error(), dir) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Save writes a directory that Load reads back to the same model, for
// loaded checkpoints and tied from-scratch models alike.
func TestSaveLoadRoundTrip(t *testing.T) {
	lc := transformer.DefaultLlamaConfig(16, 8, 1, 2)
	lc.Tied, lc.KVHeads, lc.PadID, lc.AttnBias = true, 1, 0, true
	tied, _ := transformer.NewLlamaZero(lc)
	tied.Init(3)
	nc := transformer.DefaultGPTNeoXConfig(16, 8, 1, 2)
	nc.Tied, nc.ParallelResidual, nc.RotaryPct = true, false, 0.5
	neox, _ := transformer.NewGPTNeoXZero(nc)
	neox.Init(4)
	oc := transformer.DefaultOLMoConfig(16, 8, 1, 2)
	oc.ClipQKV, oc.KVHeads, oc.PadID = 0.5, 1, -1
	olmo, _ := transformer.NewLlamaZero(oc)
	olmo.Init(5)
	models := []lm.Model{load(t, testfix.Dirs(t, "gpt_neox")[0]), load(t, testfix.Dirs(t, "llama")[0]),
		load(t, testfix.Dirs(t, "olmo")[0]), tied, neox, olmo}
	for _, m := range models {
		dir := filepath.Join(t.TempDir(), "out")
		if err := hf.Save(dir, m); err != nil {
			t.Fatal(err)
		}
		back := load(t, dir)
		if e, _ := testfix.RelErr(logitsOf(t, back), logitsOf(t, m)); e != 0 {
			t.Errorf("%s: logits change by %.3g after Save and Load", m.Arch(), e)
		}
		if len(back.Params()) != len(m.Params()) {
			t.Errorf("%s: %d params after round trip, want %d", m.Arch(), len(back.Params()), len(m.Params()))
		}
	}
	if c := tied.Cfg; c.PadID != 0 || !c.Tied {
		t.Fatal("config changed")
	}
	dir := filepath.Join(t.TempDir(), "olmo")
	if err := hf.Save(dir, olmo); err != nil {
		t.Fatal(err)
	}
	if back := load(t, dir).(*transformer.Llama); back.Arch() != "olmo" || back.Cfg != oc {
		t.Errorf("olmo config after round trip: %+v, want %+v", back.Cfg, oc)
	}
}

// The RNN control saves and loads like an HF directory; its config is strict.
func TestRNNSaveLoad(t *testing.T) {
	c := rnn.DefaultConfig(20, 8)
	c.Radius = 2
	m, _ := rnn.NewZero(c)
	m.Init(1)
	dir := filepath.Join(t.TempDir(), "rnn")
	if err := hf.Save(dir, m); err != nil {
		t.Fatal(err)
	}
	back := load(t, dir)
	if back.Arch() != "rnn" || back.(*rnn.RNN).Cfg != c {
		t.Fatalf("config after round trip: %+v", back.(*rnn.RNN).Cfg)
	}
	if e, _ := testfix.RelErr(logitsOf(t, back), logitsOf(t, m)); e != 0 {
		t.Fatalf("logits change by %.3g", e)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	for edit, want := range map[string]string{
		strings.Replace(string(raw), `"input_gain"`, `"input_gian"`, 1):         `unknown key "input_gian" (did you mean input_gain?)`,
		`{"model_type": "ssmlab_rnn", "vocab_size": 3}`:                         `missing "embed_size"`,
		strings.Replace(string(raw), `"hidden_size": 8`, `"hidden_size": 0`, 1): "hidden_size must be positive",
	} {
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(edit), 0o644)
		if _, err := hf.Load(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}
