package hf

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

func params() []*nn.Param {
	return []*nn.Param{nn.NewParam("backbone.embeddings.weight", true, 4, 2), nn.NewParam("backbone.norm_f.weight", true, 2)}
}

func write(t *testing.T, path string, ts ...safetensors.Tensor) {
	t.Helper()
	if err := safetensors.WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
}

var (
	emb  = safetensors.F32Tensor("backbone.embeddings.weight", []int{4, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8})
	norm = safetensors.FromFloat32("backbone.norm_f.weight", safetensors.BF16, []int{2}, []float32{0.5, -1.5})
)

func TestLoadWeightsSingleShardedAliasAndConversion(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "model.safetensors"), emb, norm)
	ps := params()
	if err := LoadWeights(dir, ps, WeightRules{}); err != nil {
		t.Fatal(err)
	}
	if ps[0].Value.Data[7] != 8 || ps[1].Value.Data[1] != -1.5 {
		t.Fatalf("values %v %v", ps[0].Value.Data, ps[1].Value.Data)
	}

	// sharded, with the legacy mamba_ssm embedding name and an ignored buffer
	sh := t.TempDir()
	legacy := emb
	legacy.Name = "backbone.embedding.weight"
	buf := safetensors.F32Tensor("rotary.inv_freq", []int{1}, []float32{1})
	write(t, filepath.Join(sh, "model-00001-of-00002.safetensors"), legacy, buf)
	write(t, filepath.Join(sh, "model-00002-of-00002.safetensors"), norm)
	os.WriteFile(filepath.Join(sh, "model.safetensors.index.json"), []byte(`{"metadata":{},"weight_map":{
		"backbone.embedding.weight":"model-00001-of-00002.safetensors","rotary.inv_freq":"model-00001-of-00002.safetensors",
		"backbone.norm_f.weight":"model-00002-of-00002.safetensors"}}`), 0o644)
	ps = params()
	rules := WeightRules{Aliases: map[string]string{"backbone.embedding.": "backbone.embeddings."},
		Ignore: []*regexp.Regexp{regexp.MustCompile(`inv_freq$`)}}
	if err := LoadWeights(sh, ps, rules); err != nil {
		t.Fatal(err)
	}
	if ps[0].Value.Data[0] != 1 || ps[1].Value.Data[0] != 0.5 {
		t.Fatal("sharded load values")
	}
}

func TestLoadWeightsErrors(t *testing.T) {
	cases := map[string]struct {
		files []safetensors.Tensor
		want  string
	}{
		"missing":    {[]safetensors.Tensor{emb}, "missing weights backbone.norm_f.weight"},
		"shape":      {[]safetensors.Tensor{emb, safetensors.F32Tensor("backbone.norm_f.weight", []int{3}, []float32{1, 2, 3})}, "has shape [3], the config implies [2]"},
		"unexpected": {[]safetensors.Tensor{emb, norm, safetensors.F32Tensor("extra.weight", []int{1}, []float32{1})}, `unexpected tensor "extra.weight"`},
		"int dtype":  {[]safetensors.Tensor{emb, safetensors.I64Tensor("backbone.norm_f.weight", []int{2}, []int64{1, 2})}, "not a float type"},
	}
	for name, tc := range cases {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "model.safetensors"), tc.files...)
		err := LoadWeights(dir, params(), WeightRules{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "model.safetensors") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := LoadWeights(t.TempDir(), params(), WeightRules{}); err == nil || !strings.Contains(err.Error(), "no model.safetensors") {
		t.Errorf("empty dir: %v", err)
	}
	// a tied weight may be absent; present it loads
	dir := t.TempDir()
	write(t, filepath.Join(dir, "model.safetensors"), emb, norm)
	if err := LoadWeights(dir, params(), WeightRules{Tied: map[string]string{"lm_head.weight": "backbone.embeddings.weight"}}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadUnknownModelTypeAndBrokenConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"mambaa"}`), 0o644)
	if _, ok := archs["mamba"]; !ok { // the real one is registered when the test binary links models/all
		Register(Arch{ModelType: "mamba"})
		defer delete(archs, "mamba")
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `unknown model_type "mambaa" (did you mean mamba?)`) {
		t.Fatalf("unknown type: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "config.json: invalid JSON") {
		t.Fatalf("broken: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "no such model directory") {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestSaveWeightsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ps := params()
	ps[0].Value.Data[3] = 42
	ps = append(ps, nn.NewParam("lm_head.weight", false, 4, 2))
	if err := SaveWeights(dir, ps, map[string]bool{"lm_head.weight": true}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil || f.Has("lm_head.weight") || f.Metadata["format"] != "pt" {
		t.Fatalf("%v %v", err, f.Names())
	}
	back := params()
	if err := LoadWeights(dir, back, WeightRules{}); err != nil || back[0].Value.Data[3] != 42 {
		t.Fatal(err)
	}
}

// Float fields must read back in Python as floats: transformers' config
// dataclasses refuse `"time_step_scale": 1` (an int) since version 5.
func TestFloatsKeepADecimalPoint(t *testing.T) {
	for v, want := range map[float64]string{1: "1.0", 0: "0.0", 0.001: "0.001", 1e-5: "1e-05", -2: "-2.0"} {
		if got := string(Float(v)); got != want {
			t.Errorf("Float(%v) = %s, want %s", v, got, want)
		}
	}
	if got := string(Float32(1e-5)); got != "1e-05" {
		t.Errorf("Float32(1e-5) = %s", got)
	}
	if got := string(Float(math.Inf(1))); got != `{"__float__": "Infinity"}` {
		t.Errorf("Float(+Inf) = %s", got)
	}
}
