package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/mamba"
)

var taskData = filepath.Join("..", "..", "datasets", "benchmarks", "testdata", "tasks")

// The eval requests contract: for every task, the printed documents equal
// lm-eval's requests for the same rows (expected_requests.jsonl, less its
// task key), in order.
func TestEvalRequestsContract(t *testing.T) {
	f, err := os.Open(filepath.Join(taskData, "expected_requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string][]map[string]any{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		task := m["task"].(string)
		delete(m, "task")
		want[task] = append(want[task], m)
	}
	for task, docs := range want {
		code, out, errs := runCLI(t, "eval", "requests", "--task", task, "--data", filepath.Join(taskData, task))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", task, code, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(docs) {
			t.Fatalf("%s: %d lines, want %d", task, len(lines), len(docs))
		}
		for i, l := range lines {
			var got map[string]any
			if err := json.Unmarshal([]byte(l), &got); err != nil {
				t.Fatalf("%s line %d: %v", task, i, err)
			}
			if !reflect.DeepEqual(got, docs[i]) {
				t.Errorf("%s doc %d:\n got %v\nwant %v", task, i, got, docs[i])
			}
		}
	}
	code, out, _ := runCLI(t, "eval", "requests", "--task", "hellaswag", "--data", filepath.Join(taskData, "hellaswag"), "--limit", "2")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("--limit 2: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestEvalRequestsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--task", "arc_easy"}, 2, "--task and --data are required"},
		{[]string{"--task", "arc_esy", "--data", taskData}, 1, "did you mean arc_easy"},
		{[]string{"--task", "piqa", "--data", filepath.Join(taskData, "nope")}, 1, "huggingface-cli download baber/piqa --repo-type dataset"},
		{[]string{"--task", "piqa", "--data", filepath.Join(taskData, "piqa"), "--num-fewshot", "1"}, 1, "train split"},
	} {
		code, out, errs := runCLI(t, append([]string{"eval", "requests"}, c.args...)...)
		if code != c.code || out != "" || !strings.Contains(errs, c.msg) || strings.Count(errs, "\n") > 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.msg)
		}
	}
}

// tinyMambaDir writes a small random HF-format Mamba whose vocabulary
// covers the test tokenizer, with that tokenizer.json beside it.
func tinyMambaDir(t *testing.T) string { return tinyModelDir(t, "mamba") }

// tinyModelDir is tinyMambaDir for any architecture (2 layers of width 16,
// 2 heads where it has heads).
func tinyModelDir(t *testing.T, arch string) string {
	t.Helper()
	tokJSON := filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json")
	tok, err := tokenizer.Load(tokJSON)
	if err != nil {
		t.Fatal(err)
	}
	var m lm.Model
	if arch == "mamba" {
		m, err = mamba.New(mamba.DefaultConfig(tok.VocabSize(), 16, 2), 1)
	} else {
		m, err = models.New(arch, models.Spec{Vocab: tok.VocabSize(), DModel: 16, Layers: 2, Heads: 2}, 1)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := hf.Save(dir, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(tokJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type samplesLine struct {
	DocID     int                `json:"doc_id"`
	Target    any                `json:"target"`
	Arguments [][2]string        `json:"arguments"`
	Resps     [][2]any           `json:"resps"`
	Metrics   map[string]float64 `json:"metrics"`
}

func readSamples(t *testing.T, path string) []samplesLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []samplesLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var s samplesLine
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// ssmlab eval on a tiny Mamba, GPT-NeoX and Llama: every task's accuracies
// equal a direct computation from the logged log-likelihoods, and
// shared-context scoring logs the same log-likelihoods as running every
// request whole.
func TestEvalAccuraciesFromSamples(t *testing.T) {
	for _, arch := range []string{"mamba", "gpt_neox", "llama"} {
		t.Run(arch, func(t *testing.T) { evalAccuraciesFromSamples(t, tinyModelDir(t, arch)) })
	}
}

func evalAccuraciesFromSamples(t *testing.T, model string) {
	tasks := []string{"arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande", "lambada_openai", "openbookqa", "mmlu_high_school_computer_science"}
	run := func(extra ...string) (map[string]any, string) {
		out := filepath.Join(t.TempDir(), "res.json")
		args := append([]string{"eval", "--model", model, "--tasks", strings.Join(tasks, ","), "--data", taskData,
			"--output", out, "--log-samples", "--batch-size", "3", "--bootstrap-iters", "2000"}, extra...)
		code, _, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("eval %v: exit %d: %s", extra, code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
		return res, out
	}
	res, out := run()
	_, outWhole := run("--no-share")
	results := res["results"].(map[string]any)
	for _, task := range tasks {
		samples := readSamples(t, samplesPath(out, task))
		whole := readSamples(t, samplesPath(outWhole, task))
		if len(samples) != 6 {
			t.Fatalf("%s: %d samples", task, len(samples))
		}
		var acc, norm, lls []float64
		for i, s := range samples {
			var ll []float64
			for j, r := range s.Resps {
				ll = append(ll, r[0].(float64))
				if w := whole[i].Resps[j][0].(float64); math.Abs(ll[j]-w) > 1e-5*(1+math.Abs(w)) {
					t.Errorf("%s doc %d request %d: shared ll %v, whole %v", task, i, j, ll[j], w)
				}
			}
			if task == "lambada_openai" {
				lls = append(lls, ll[0])
				acc = append(acc, b2f(s.Resps[0][1].(bool)))
				continue
			}
			best, bestNorm := 0, 0
			for j := range ll {
				n := float64(utf8.RuneCountInString(strings.TrimPrefix(s.Arguments[j][1], " ")))
				nb := float64(utf8.RuneCountInString(strings.TrimPrefix(s.Arguments[bestNorm][1], " ")))
				if ll[j] > ll[best] {
					best = j
				}
				if ll[j]/n > ll[bestNorm]/nb {
					bestNorm = j
				}
			}
			gold := int(s.Target.(float64))
			acc, norm = append(acc, b2f(best == gold)), append(norm, b2f(bestNorm == gold))
		}
		r := results[task].(map[string]any)
		check := func(metric string, want float64) {
			if got, ok := r[metric].(float64); !ok || math.Abs(got-want) > 1e-12 {
				t.Errorf("%s %s = %v, want %v", task, metric, r[metric], want)
			}
		}
		check("acc,none", mean(acc))
		sd := 0.0
		for _, a := range acc {
			sd += (a - mean(acc)) * (a - mean(acc))
		}
		check("acc_stderr,none", math.Sqrt(sd/5)/math.Sqrt(6))
		switch task {
		case "lambada_openai":
			check("perplexity,none", math.Exp(-mean(lls)))
		case "winogrande", "mmlu_high_school_computer_science":
			if _, ok := r["acc_norm,none"]; ok {
				t.Errorf("%s reports acc_norm, which its lm-eval YAML does not list", task)
			}
		default:
			check("acc_norm,none", mean(norm))
		}
	}
	if res["n-shot"].(map[string]any)["hellaswag"].(float64) != 0 || res["versions"].(map[string]any)["piqa"].(float64) != 1 {
		t.Errorf("n-shot/versions: %v %v", res["n-shot"], res["versions"])
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestEvalErrors(t *testing.T) {
	model := tinyMambaDir(t)
	out := filepath.Join(t.TempDir(), "res.json")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--tasks", "mmlu"}, "huggingface-cli download cais/mmlu --repo-type dataset"},
		{[]string{"--tasks", "arc_easy", "--num-fewshot", "2"}, "train split"},
		{[]string{"--tasks", "arc_easyy"}, "did you mean arc_easy"},
	} {
		code, _, errs := runCLI(t, append([]string{"eval", "--model", model, "--data", taskData, "--output", out}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d: %s", c.args, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s on error", c.args, out)
		}
	}
}

// --adapter applies a PEFT LoRA adapter: a non-zero one moves the logged
// log-likelihoods, and model_args records it.
func TestEvalAdapter(t *testing.T) {
	model := tinyMambaDir(t)
	m, err := hf.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	a, err := lora.Apply(m, lora.Config{R: 2, Alpha: 4, TargetModules: []string{"in_proj", "out_proj"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range a.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] += 0.05 * float32(i%7-3)
		}
	}
	adapter := filepath.Join(t.TempDir(), "adapter")
	if err := a.Save(adapter); err != nil {
		t.Fatal(err)
	}
	lls := func(extra ...string) (string, []samplesLine) {
		out := filepath.Join(t.TempDir(), "res.json")
		args := append([]string{"eval", "--model", model, "--tasks", "piqa", "--data", taskData, "--output", out, "--log-samples"}, extra...)
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errs)
		}
		b, _ := os.ReadFile(out)
		return string(b), readSamples(t, samplesPath(out, "piqa"))
	}
	res, with := lls("--adapter", adapter)
	_, without := lls()
	if with[0].Resps[0][0] == without[0].Resps[0][0] {
		t.Error("the adapter did not change the log-likelihoods")
	}
	if !strings.Contains(res, "peft="+adapter) {
		t.Error("model_args does not name the adapter")
	}
}
