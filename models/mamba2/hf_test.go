package mamba2

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

const mamba2Base = `{"model_type": "mamba2", "vocab_size": 50, "hidden_size": 16, "state_size": 4,
 "num_hidden_layers": 2, "num_heads": 4, "head_dim": 8, "n_groups": 2, "chunk_size": 8, "conv_kernel": 4,
 "tie_word_embeddings": true%s}`

func TestMamba2ConfigTimeStepLimit(t *testing.T) {
	for _, tc := range []struct {
		json   string
		lo, hi float64
	}{
		{`[0.0, {"__float__": "Infinity"}]`, 0, math.Inf(1)}, // transformers 5
		{`[0.0, Infinity]`, 0, math.Inf(1)},                  // transformers 4 (Python json.dumps)
		{`[0.0, "inf"]`, 0, math.Inf(1)},
		{`[0.001, 0.1]`, 0.001, 0.1},
	} {
		dir := t.TempDir()
		raw := strings.Replace(mamba2Base, "%s", `, "time_step_limit": `+tc.json, 1)
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
		got, mt, err := hf.ReadConfig(dir)
		if err != nil || mt != "mamba2" {
			t.Fatalf("%s: ReadConfig: %v (%q)", tc.json, err, mt)
		}
		c, err := ParseHFConfig("config.json", got)
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if c.DtLimit != [2]float64{tc.lo, tc.hi} {
			t.Errorf("%s: limit %v", tc.json, c.DtLimit)
		}
	}
}

func TestMamba2ConfigDefaultsAndFields(t *testing.T) {
	c, err := ParseHFConfig("config.json", []byte(`{"model_type": "mamba2", "hidden_size": 64, "num_heads": 2, "n_groups": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	// HF Mamba2Config defaults: head_dim 64, untied head, state 128, chunk 256, limit (0, inf)
	if c.H() != 2 || c.HeadDim != 64 || !c.Untied || c.N != 128 || c.ChunkSize != 256 || c.Vocab != 32768 ||
		c.Layers != 64 || c.DtLimit[1] != math.Inf(1) || !c.ConvBias || c.Bias || c.Eps != 1e-5 || !c.ResidualFP32 {
		t.Errorf("defaults: %+v", c)
	}
	c, err = ParseHFConfig("config.json", []byte(strings.Replace(mamba2Base, "%s", `, "use_bias": true, "layer_norm_epsilon": 1e-6`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Vocab != 50 || c.D != 16 || c.Expand != 2 || c.H() != 4 || c.Groups != 2 || c.N != 4 || c.Untied || !c.Bias || c.Eps != 1e-6 {
		t.Errorf("fields: %+v", c)
	}
}

func TestMamba2ConfigErrors(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{`, "hidden_act": "gelu"`, "hidden_act"},
		{`, "rms_norm": false`, "rms_norm"},
		{`, "norm_before_gate": true`, "norm_before_gate"},
		{`, "num_heads": 3`, "num_heads 3"},
		{`, "n_groups": 3`, "groups"},
		{`, "expand": 1.5`, "expand"},
		{`, "time_step_limit": [0.0]`, "time_step_limit"},
		{`, "time_step_limit": [0.0, "lots"]`, "not a number"},
	} {
		raw := strings.Replace(mamba2Base, "%s", tc.extra, 1)
		raw = strings.Replace(raw, `"num_heads": 4, `, "", strings.Count(tc.extra, "num_heads"))
		_, err := ParseHFConfig("dir/config.json", []byte(raw))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "dir/config.json") {
			t.Errorf("%s: error %v, want one naming the file and %q", tc.extra, err, tc.want)
		}
	}
}

// Save then Load gives the same config and bit-identical weights and logits.
func TestSaveMamba2RoundTrip(t *testing.T) {
	for _, untied := range []bool{false, true} {
		c := DefaultConfig(23, 16, 2)
		c.HeadDim, c.Groups, c.N, c.ChunkSize, c.Bias, c.Untied = 8, 2, 4, 5, true, untied
		c.DtLimit = [2]float64{0, math.Inf(1)}
		m, err := NewZero(c)
		if err != nil {
			t.Fatal(err)
		}
		m.Init(3)
		dir := filepath.Join(t.TempDir(), "model")
		if err := Save(dir, m); err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Has("lm_head.weight") != untied {
			t.Errorf("untied %v: lm_head.weight stored: %v", untied, f.Has("lm_head.weight"))
		}
		got, err := hf.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		m2 := got.(*Model)
		c2 := m2.Config()
		// initialisation ranges HF's config.json does not carry come back as defaults
		c.AInitMin, c.AInitMax = c2.AInitMin, c2.AInitMax
		// rescale_prenorm_residual is saved false: already applied to the
		// weights, and transformers would apply it again after loading
		if c2.RescalePrenorm {
			t.Errorf("untied %v: rescale_prenorm_residual saved true", untied)
		}
		c.RescalePrenorm = false
		if c2 != c {
			t.Errorf("untied %v: config\n%+v\nbecame\n%+v", untied, c, c2)
		}
		for i, p := range m.Params() {
			q := m2.Params()[i]
			if p.Name != q.Name {
				t.Fatalf("param %d: %s vs %s", i, p.Name, q.Name)
			}
			for j, v := range p.Value.Data {
				if math.Float32bits(v) != math.Float32bits(q.Value.Data[j]) {
					t.Fatalf("%s[%d]: %v saved, %v loaded", p.Name, j, v, q.Value.Data[j])
				}
			}
		}
		ids := []int{1, 5, 22, 0, 7, 3}
		a := m.Forward(precision.FP32Policy, ids, 2, 3)
		b := m2.Forward(precision.FP32Policy, ids, 2, 3)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("logit %d: %v vs %v", i, a[i], b[i])
			}
		}
	}
}
