package lmeval

import (
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

func docs(words []string, gold func(i int) int) []Doc {
	var out []Doc
	for i, w := range words {
		out = append(out, Doc{Text: "Q: " + w + "\nA:", Choices: []string{"x", "y", "z"}, Gold: gold(i)})
	}
	return out
}

// toy has six train docs (gold i mod 3) and three test docs (gold 0).
func toy() *Task {
	return NewTask("toy", map[string][]Doc{
		"train": docs([]string{"ab", "cd", "ef", "gh", "ij", "kl"}, func(i int) int { return i % 3 }),
		"test":  docs([]string{"t0", "t1", "t2"}, func(int) int { return 0 }),
	})
}

// TestContextsMatchLMEval: the expected prompts were built by a Python
// transcription of lm-eval's ContextSampler.get_context with
// random.Random(seed).sample, checked by hand against the format
// doc_to_text + " " + target + "\n\n" ... + doc_to_text(doc).
func TestContextsMatchLMEval(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Task)
		k    int
		want []string
	}{
		{"zero-shot", func(*Task) {}, 0, []string{"Q: t0\nA:", "Q: t1\nA:", "Q: t2\nA:"}},
		{"2-shot from train", func(*Task) {}, 2, []string{
			"Q: gh\nA: x\n\nQ: ab\nA: x\n\nQ: t0\nA:",
			"Q: ab\nA: x\n\nQ: kl\nA: z\n\nQ: t1\nA:",
			"Q: ij\nA: y\n\nQ: ab\nA: x\n\nQ: t2\nA:"}},
		{"shots from the eval split drop the doc", func(t *Task) { t.FewshotSplit = "test" }, 2, []string{
			"Q: t1\nA: x\n\nQ: t2\nA: x\n\nQ: t0\nA:",
			"Q: t0\nA: x\n\nQ: t2\nA: x\n\nQ: t1\nA:",
			"Q: t0\nA: x\n\nQ: t1\nA: x\n\nQ: t2\nA:"}},
		{"description and seed", func(t *Task) { t.Description, t.FewshotSeed = "Map each word.\n\n", 7 }, 3, []string{
			"Map each word.\n\nQ: ef\nA: z\n\nQ: cd\nA: y\n\nQ: gh\nA: x\n\nQ: t0\nA:"}},
		{"first_n", func(t *Task) { t.Sampler = FirstN }, 2, []string{
			"Q: ab\nA: x\n\nQ: cd\nA: y\n\nQ: t0\nA:"}},
	}
	for _, c := range cases {
		task := toy()
		c.edit(task)
		got, err := task.Contexts(c.k)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[:len(c.want)], c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got[:len(c.want)], c.want)
		}
	}
	if _, err := toy().Contexts(7); err == nil || !strings.Contains(err.Error(), "larger than population") {
		t.Errorf("7 shots from 6 docs: %v", err)
	}
}

// TestShotsRedrawWithoutCopies: a pool holding the eval doc several times,
// so a draw of k+1 can hold two copies and leave fewer than k shots; lm-eval
// then draws k again from the pool without the copies. The expected shots
// are lm-eval 0.4.13's own (lm_eval.api.samplers.ContextSampler(pool,
// rnd=1234).sample(n=3, eval_doc=doc) for the eval docs in turn).
func TestShotsRedrawWithoutCopies(t *testing.T) {
	one := func(s string) []Doc {
		var out []Doc
		for _, c := range s {
			out = append(out, Doc{Text: string(c), Choices: []string{"0"}})
		}
		return out
	}
	task := NewTask("dups", map[string][]Doc{"train": one("xaxbxcdx"), "validation": one("xaxxb")})
	task.ExcludeEval = true
	shots, err := task.Shots(3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"acd", "dxx", "dcb", "acb", "xcx"}
	for i, s := range shots {
		got := ""
		for _, d := range s {
			got += d.Text
		}
		if got != want[i] {
			t.Errorf("eval doc %d: shots %q, lm-eval draws %q", i, got, want[i])
		}
	}
	task.Splits["train"] = one("xxxab")
	if _, err := task.Shots(3); err == nil || !strings.Contains(err.Error(), "larger than population") {
		t.Errorf("3 shots from 2 docs besides the eval doc: %v", err)
	}
}

func TestSplits(t *testing.T) {
	task := NewTask("v", map[string][]Doc{"validation": {{Text: "q", Choices: []string{"a"}}}, "dev": {{Text: "d", Choices: []string{"a"}}}})
	if name, _, _ := task.Eval(); name != "validation" {
		t.Errorf("eval split %q, want validation when there is no test", name)
	}
	if name, _, _ := task.Fewshot(); name != "validation" {
		t.Errorf("fewshot split %q", name)
	}
	task.FewshotSplit = "dev"
	if name, _, _ := task.Fewshot(); name != "dev" {
		t.Errorf("fewshot split %q", name)
	}
	task.Splits["validation"][0].Gold = 3
	if err := task.Validate(); err == nil {
		t.Error("gold out of range accepted")
	}
}

func TestEncodePair(t *testing.T) {
	bpe, err := tokenizer.Load(filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tok           tokenizer.Tokenizer
		context, cont string
		ctx, contText string
	}{
		{tokenizer.Bytes{}, "Q: ab\nA:", " x", "Q: ab\nA:", " x"},
		{tokenizer.Bytes{}, "Q: ab\nA: ", "x", "Q: ab\nA:", " x"},
		{tokenizer.Bytes{}, "", "abc", "<|endoftext|>", "abc"},
		{tokenizer.Bytes{}, "tail\x1c", "x", "tail", "\x1cx"},
		{bpe, "the state space", " model", "the state space", " model"},
		{bpe, "Answer:  ", "x", "Answer:", "  x"},
	}
	for _, c := range cases {
		ctx, cont := EncodePair(c.tok, c.context, c.cont)
		if got := c.tok.Decode(ctx); got != c.ctx {
			t.Errorf("EncodePair(%q, %q): context %q, want %q", c.context, c.cont, got, c.ctx)
		}
		if got := c.tok.Decode(cont); got != c.contText {
			t.Errorf("EncodePair(%q, %q): continuation %q, want %q", c.context, c.cont, got, c.contText)
		}
		if c.context != "" {
			if whole := c.tok.Encode(c.context + c.cont); !reflect.DeepEqual(append(ctx, cont...), whole) {
				t.Errorf("ctx+cont != Encode(whole) for %q", c.context+c.cont)
			}
		}
	}
}

func TestWindow(t *testing.T) {
	input, start, err := Window([]int{1, 2, 3}, []int{4, 5}, 3)
	if err != nil || !reflect.DeepEqual(input, []int{2, 3, 4}) || start != 1 {
		t.Errorf("Window = %v, %d, %v", input, start, err)
	}
	input, start, _ = Window([]int{9}, []int{4, 5}, 10)
	if !reflect.DeepEqual(input, []int{9, 4}) || start != 0 {
		t.Errorf("Window short = %v, %d", input, start)
	}
	if _, _, err := Window([]int{1}, []int{1, 2, 3}, 2); err == nil {
		t.Error("continuation longer than the window accepted")
	}
}

func TestScore(t *testing.T) {
	d := Doc{Choices: []string{"a", "bbbb"}, Gold: 1}
	if Acc(d, []float64{-2, -4}) || !AccNorm(d, []float64{-2, -4}) {
		t.Error("acc picks by ll, acc_norm by ll per character")
	}
	if Argmax([]float64{1, math.NaN(), 3}) != 1 || Argmax([]float64{2, 5, 5}) != 1 {
		t.Error("argmax is numpy's: first max, NaN wins")
	}
	task := toy()
	reqs, err := task.Requests(1)
	if err != nil || len(reqs) != 9 || reqs[4].Continuation != " y" || reqs[4].Doc != 1 {
		t.Fatalf("requests: %v %v", reqs, err)
	}
	// Choice 0 (the gold) wins on docs 0 and 1, choice 2 on doc 2.
	lls := []float64{-1, -2, -3, -1, -2, -3, -3, -2, -1}
	m, err := task.Score(reqs, lls)
	if err != nil || m.N != 3 || math.Abs(m.Acc-2.0/3) > 1e-12 || math.Abs(m.AccStderr-math.Sqrt(1.0/3)/math.Sqrt(3)) > 1e-12 {
		t.Errorf("metrics %+v %v", m, err)
	}
}

// TestEvaluate: a scorer that prefers the gold continuation everywhere
// gets acc 1 at every k.
func TestEvaluate(t *testing.T) {
	task := toy()
	tok := tokenizer.Bytes{}
	for k := range 4 {
		m, err := task.Evaluate(k, tok, 256, func(input []int, start int, cont []int) (float64, error) {
			if start < 0 || start+len(cont) > len(input)+1 {
				t.Fatalf("bad window start %d for %d inputs", start, len(input))
			}
			if tok.Decode(cont) == " x" {
				return -1, nil
			}
			return -5, nil
		})
		if err != nil || m.Acc != 1 || m.AccNorm != 1 {
			t.Errorf("k=%d: %+v %v", k, m, err)
		}
	}
}

func TestCombine(t *testing.T) {
	a := Metrics{N: 10, Acc: 0.5, AccStderr: 0.1, AccNorm: 0.4, NormErr: 0.2}
	b := Metrics{N: 30, Acc: 0.9, AccStderr: 0.05, AccNorm: 0.8, NormErr: 0.1}
	m := Combine(a, b)
	wantSE := math.Sqrt((9*0.01*10 + 29*0.0025*30) / 38 / 40)
	if m.N != 40 || math.Abs(m.Acc-0.8) > 1e-12 || math.Abs(m.AccNorm-0.7) > 1e-12 || math.Abs(m.AccStderr-wantSE) > 1e-12 {
		t.Errorf("Combine = %+v, want acc 0.8, acc_norm 0.7, stderr %v", m, wantSE)
	}
}
