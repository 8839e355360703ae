package report

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
)

// Synthetic results of the five paper experiments, made in Go (not by a
// run), for golden and Build tests.

func synthModel(name, arch, family string, params int, seed int64) summary.Model {
	return summary.Model{Name: name, Arch: arch, Family: family, Size: name, Params: params, Seed: seed}
}

var (
	mambaS  = func(seed int64) summary.Model { return synthModel("mamba-s", "mamba", "Mamba", 30000, seed) }
	mambaM  = func(seed int64) summary.Model { return synthModel("mamba-m", "mamba", "Mamba", 60000, seed) }
	mambaL  = func(seed int64) summary.Model { return synthModel("mamba-l", "mamba", "Mamba", 120000, seed) }
	mamba2M = func(seed int64) summary.Model { return synthModel("mamba2-m", "mamba2", "Mamba-2", 62000, seed) }
	pythiaS = func(seed int64) summary.Model {
		return synthModel("pythia-s", "gpt_neox", "GPT-NeoX (Pythia)", 31000, seed)
	}
	pythiaM = func(seed int64) summary.Model {
		return synthModel("pythia-m", "gpt_neox", "GPT-NeoX (Pythia)", 61000, seed)
	}
	llamaS = func(seed int64) summary.Model { return synthModel("llama-s", "llama", "Llama", 29000, seed) }
	llamaM = func(seed int64) summary.Model { return synthModel("llama-m", "llama", "Llama", 59000, seed) }
)

// synthResult wraps a summary and a trial config as Collect would return them.
func synthResult(experiment string, axes []store.Axis, cfg map[string]any, sum any) store.Result {
	key := ""
	for i, a := range axes {
		if i > 0 {
			key += "_"
		}
		key += fmt.Sprintf("%s=%v", a.Name, a.Value)
	}
	trial := map[string]any{"experiment": experiment, "key": key, "axes": axes}
	for k, v := range cfg {
		trial[k] = v
	}
	c, _ := json.Marshal(trial)
	s, _ := json.Marshal(sum)
	return store.Result{Key: key, Axes: axes, Config: c, Summary: s}
}

func ax(kv ...any) []store.Axis {
	var out []store.Axis
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, store.Axis{Name: kv[i].(string), Value: kv[i+1]})
	}
	return out
}

func synthMP() []store.Result {
	cfg := map[string]any{"eval": map[string]any{"items": 8, "bootstrap": 200}, "params": map[string]any{"logit_tasks": 4, "logit_shots": 3}}
	row := func(p string, div, kl float64) summary.MPRow {
		return summary.MPRow{Precision: p, Acc: []float64{0.3, 0.31, 0.32, 0.33}, DivPP: div, DivTaskPP: div, ItemFlip: div / 100, MaxAbsLogit: summary.Float(100 * kl), MeanKL: summary.Float(kl), ArgmaxFlip: summary.Float(div / 50)}
	}
	var rs []store.Result
	add := func(m summary.Model, d16, dbf, kl float64) {
		s := summary.MPInference{Model: m, Shots: []int{0, 1, 3, 5},
			Rows: []summary.MPRow{row("fp32", 0, 0), row("fp16", d16, kl/100), row("bf16", dbf, kl)}}
		rs = append(rs, synthResult("mp_inference", ax("model", m.Name, "seed", m.Seed), cfg, s))
	}
	add(mambaS(0), 0.2, 0.9, 1e-5)
	add(mambaS(1), 0.0, 0.9, 2e-5)
	add(mambaM(0), 0.1, 0.7, 1e-5)
	add(mambaM(1), 0.1, 0.7, 3e-5)
	add(pythiaS(0), 0.3, 0.5, 2e-5)
	add(pythiaS(1), 0.1, 0.3, 1e-5)
	add(llamaS(0), 0.0, 0.2, 5e-6)
	add(llamaS(1), 0.1, 0.2, 5e-6)
	return rs
}

func synthMPFT() []store.Result {
	cfg := map[string]any{"train": map[string]any{"dataset": "instruct"}, "params": map[string]any{"eval_precision": "fp32"}}
	var rs []store.Result
	add := func(m summary.Model, method, prec string, div, kl float64) {
		s := summary.MPFT{Model: m, Method: method, Precision: prec, Trainable: m.Params / 5, Shots: []int{0, 1, 3, 5},
			Acc: []float64{0.3, 0.3, 0.3, 0.3}, RefAcc: []float64{0.3, 0.3, 0.3, 0.3}, DivPP: div, ItemFlip: div / 100,
			MaxAbsLogit: summary.Float(50 * kl), MeanKL: summary.Float(kl), ArgmaxFlip: summary.Float(div / 80),
			Train: summary.Train{Steps: 200, MeanLastLoss: summary.Float(2.5 + div/10), Skipped: map[bool]int{true: 1}[prec == "fp16"]}}
		if method == "full" {
			s.Trainable = m.Params
		}
		if method == "full" && prec == "fp32" { // the reference measures the noise floor
			noise := map[string]float64{"Mamba": 0.2, "GPT-NeoX (Pythia)": 0.3}[m.Family]
			s.NoiseDivPP = &noise
		}
		rs = append(rs, synthResult("mpft_peft", ax("model", m.Name, "precision", prec, "method", method, "seed", m.Seed), cfg, s))
	}
	for seed := int64(0); seed < 2; seed++ {
		j := float64(seed) * 0.2
		add(mambaM(seed), "full", "fp32", 0, 0)
		add(mambaM(seed), "full", "bf16", 0.3+j, 1e-6)
		add(mambaM(seed), "full", "fp16", 0.1, 1e-7)
		add(mambaM(seed), "lora_all", "fp32", 2+j, 1e-2)
		add(mambaM(seed), "lora_all", "bf16", 2.1+j, 1.1e-2)
		add(mambaM(seed), "lora_all", "fp16", 2.2, 1e-2)
		add(pythiaM(seed), "full", "fp32", 0, 0)
		add(pythiaM(seed), "full", "bf16", 0.5+j, 2e-6)
		add(pythiaM(seed), "lora_all", "fp32", 3+j, 2e-2)
		add(pythiaM(seed), "lora_all", "bf16", 1.5, 2e-2) // Mamba is above here
		// No fp16 Transformer results: those settings are not compared.
	}
	return rs
}

func synthEfficiency() []store.Result {
	var rs []store.Result
	add := func(m summary.Model, method, prec string, tps, bpt float64) {
		s := summary.Efficiency{Model: m, Method: method, Precision: prec, Trainable: m.Params / 5, Tokens: 768,
			TrainTokensPS: tps, TrainPeakBytes: uint64(bpt * 768), BytesPerToken: bpt, InferTokensPS: 2 * tps, Backend: "gonum", Steps: 8}
		rs = append(rs, synthResult("efficiency", ax("model", m.Name, "precision", prec, "method", method), nil, s))
	}
	add(mambaS(0), "full", "fp32", 1000, 40000)
	add(mambaS(0), "lora_all", "bf16", 1500, 30000)
	add(mambaS(0), "lora_xproj", "fp16", 1700, 28000)
	add(mambaL(0), "full", "fp32", 400, 90000)
	add(mambaL(0), "lora_all", "bf16", 880, 60000) // 2.2x, the best speed-up
	add(mambaL(0), "lora_all", "fp32", 800, 62000)
	add(pythiaS(0), "full", "fp32", 3000, 20000)
	add(pythiaS(0), "lora_all", "bf16", 2000, 25000)
	add(pythiaM(0), "lora_all", "bf16", 2000, 25000) // no reference: ratios "—"
	return rs
}

// synthItems returns n scores with `correct` ones at positions drawn by seed.
func synthItems(n, correct int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for _, i := range r.Perm(n)[:correct] {
		out[i] = 1
	}
	return out
}

// iclSummary makes one model's k-shot summary with acc0 correct items at k
// = 0 and acc0+gain (items) at every k > 0.
func iclSummary(m summary.Model, stage string, n, acc0, gain int) summary.ICL {
	s := summary.ICL{Model: m, Stage: stage, Shots: []int{0, 1, 3, 5}}
	if stage == "instruct" {
		s.Method, s.Precision = "lora_all", "bf16"
		lo, hi := summary.Float(1.2+float64(gain)/1000), summary.Float(1.5)
		s.Recipe = []summary.RecipePoint{{LR: 1e-3, Alpha: 16, HeldOutLoss: hi}, {LR: 1e-4, Alpha: 16, HeldOutLoss: lo, Chosen: true}}
		s.HeldOutLoss = &lo
	}
	for i, k := range s.Shots {
		c := acc0
		if k > 0 {
			c = acc0 + gain*(i+1)/3
		}
		it := synthItems(n, c, uint64(m.Params)*31+uint64(m.Seed)*7+uint64(k)+map[bool]uint64{true: 1000}[stage == "instruct"])
		s.Items = append(s.Items, it)
		s.Acc = append(s.Acc, float64(c)/float64(n))
	}
	s.AccNorm = s.Acc
	return s
}

func synthICLInstruct() []store.Result {
	cfg := map[string]any{"eval": map[string]any{"items": 100, "bootstrap": 200}}
	var rs []store.Result
	add := func(m summary.Model, stage string, acc0, gain int) {
		rs = append(rs, synthResult("icl_instruct", ax("model", m.Name, "params.stage", stage, "seed", m.Seed), cfg, iclSummary(m, stage, 400, acc0, gain)))
	}
	for seed := int64(0); seed < 2; seed++ {
		add(pythiaM(seed), "pretrained", 100, 80) // gain 20 pp at k = 5
		add(mambaM(seed), "pretrained", 100, 30)  // about 38% of it
		add(mamba2M(seed), "pretrained", 100, 30)
		add(pythiaM(seed), "instruct", 110, -4) // the Transformer gains nothing
		add(mambaM(seed), "instruct", 110, 40)
		add(mamba2M(seed), "instruct", 110, 40)
	}
	return rs
}

func synthICLScale() []store.Result {
	cfg := map[string]any{"eval": map[string]any{"items": 100, "bootstrap": 200}}
	var rs []store.Result
	add := func(m summary.Model, acc0, gain int) {
		rs = append(rs, synthResult("icl_scale", ax("model", m.Name, "seed", m.Seed), cfg, iclSummary(m, "pretrained", 400, acc0, gain)))
	}
	for seed := int64(0); seed < 2; seed++ {
		add(mambaS(seed), 100, 4)
		add(mambaM(seed), 100, 30)
		add(mambaL(seed), 100, 80)
		add(pythiaS(seed), 100, 10)
		add(pythiaM(seed), 100, 90)
		add(llamaS(seed), 100, 20) // flat: no significant growth
		add(llamaM(seed), 100, 20)
	}
	return rs
}

// layoutTrials writes results as finished trial directories under root.
func layoutTrials(t *testing.T, root, experiment string, rs []store.Result) {
	t.Helper()
	for _, r := range rs {
		dir := store.RunDir(root, experiment, r.Key)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		c, err := store.NewConfig(r.Config, "1")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.WriteConfig(dir, c); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, store.SummaryFile), r.Summary, 0o644); err != nil {
			t.Fatal(err)
		}
		prov := `{"commit": "0123abc", "dirty": false, "blas": "go", "command": ["ssmlab", "reproduce", "--profile", "quick"], "start": "2026-11-30T10:00:00Z", "end": "2026-11-30T10:01:00Z"}`
		if experiment == "icl_scale" { // one experiment from another run
			prov = `{"commit": "4567def", "dirty": true, "blas": "onednn", "command": ["ssmlab", "run", "x.toml"], "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T10:01:00Z"}`
		}
		if err := os.WriteFile(filepath.Join(dir, store.ProvenanceFile), []byte(prov), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := store.MarkDone(dir, c.Hash); err != nil {
			t.Fatal(err)
		}
	}
}
