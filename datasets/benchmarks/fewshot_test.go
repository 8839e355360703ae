package benchmarks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// The shot indices below were drawn by CPython 3's
// random.Random(1234).sample(range(8), n), one generator per task consumed
// doc by doc, n = k+1 where lm-eval hands the sampler the eval doc
// (HellaSwag, PIQA, WinoGrande: fewshot_split == test_split, both unset)
// and n = k otherwise. The contexts are written out from lm-eval's
// rendering rule: shot question + " " + answer + "\n\n" per shot, then the
// eval doc's question.
var (
	drawK1      = [][]int{{7}, {1}, {0}}
	drawK5      = [][]int{{7, 0, 6, 5, 4}, {1, 0, 2, 7, 6}, {0, 6, 7, 2, 3}}
	drawK1Plus1 = [][]int{{7, 0}, {0, 7}, {0, 5}}                                     // first k kept
	drawK5Plus1 = [][]int{{7, 0, 6, 5, 4, 2}, {1, 0, 2, 7, 6, 3}, {0, 2, 5, 4, 3, 6}} // first k kept
)

func mcDocs(prefix string, n int) []lmeval.Doc {
	var out []lmeval.Doc
	for i := range n {
		out = append(out, lmeval.Doc{Text: fmt.Sprintf("%s%d?", prefix, i), Choices: []string{"yes" + prefix, "no" + prefix}, Gold: i % 2})
	}
	return out
}

func checkContexts(t *testing.T, name string, task *lmeval.Task, k int, want []string) {
	t.Helper()
	got, err := task.Contexts(k)
	if err != nil {
		t.Fatalf("%s k=%d: %v", name, k, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s k=%d doc %d:\n got %q\nwant %q", name, k, i, got[i], want[i])
		}
	}
}

func TestFewshotMultipleChoice(t *testing.T) {
	train, eval := mcDocs("t", 8), mcDocs("e", 3)
	shot := func(i int) string { return train[i].Text + " " + train[i].Target() + "\n\n" }
	render := func(draws [][]int, k int) []string {
		var out []string
		for d, idx := range draws {
			var b strings.Builder
			for _, i := range idx[:k] {
				b.WriteString(shot(i))
			}
			out = append(out, b.String()+eval[d].Text)
		}
		return out
	}
	for _, c := range []struct {
		task   string
		k1, k5 [][]int
	}{
		{"arc_easy", drawK1, drawK5}, {"openbookqa", drawK1, drawK5},
		{"hellaswag", drawK1Plus1, drawK5Plus1}, {"piqa", drawK1Plus1, drawK5Plus1},
	} {
		spec, _ := Lookup(c.task)
		task, err := spec.Task(map[string][]lmeval.Doc{spec.Eval: eval, spec.Fewshot: train})
		if err != nil {
			t.Fatal(err)
		}
		checkContexts(t, c.task, task, 1, render(c.k1, 1))
		checkContexts(t, c.task, task, 5, render(c.k5, 5))
	}
}

func TestFewshotMMLU(t *testing.T) {
	spec, _ := Lookup("mmlu_college_physics")
	dev, test := mcDocs("d", 5), mcDocs("q", 3)
	for i := range dev {
		dev[i].Choices, test[i%3].Choices = []string{"A", "B", "C", "D"}, []string{"A", "B", "C", "D"}
	}
	task, err := spec.Task(map[string][]lmeval.Doc{"dev": dev, "test": test})
	if err != nil {
		t.Fatal(err)
	}
	desc := "The following are multiple choice questions (with answers) about college physics.\n\n"
	first5 := "d0? A\n\nd1? B\n\nd2? A\n\nd3? B\n\nd4? A\n\n"
	checkContexts(t, "mmlu", task, 1, []string{desc + "d0? A\n\nq0?", desc + "d0? A\n\nq1?", desc + "d0? A\n\nq2?"})
	checkContexts(t, "mmlu", task, 5, []string{desc + first5 + "q0?", desc + first5 + "q1?", desc + first5 + "q2?"})
	if _, err := task.Contexts(6); err == nil {
		t.Error("6 shots from 5 dev docs: no error")
	}
}

// WinoGrande's shots show the gold option's context, then " " and the
// continuation; the eval doc's context is the shots alone, each request
// appending its option's context.
func TestFewshotWinogrande(t *testing.T) {
	var train, eval []lmeval.Doc
	for i := range 8 {
		train = append(train, lmeval.Doc{Choices: []string{fmt.Sprintf("A%d", i), fmt.Sprintf("B%d", i)}, Gold: i % 2, Cont: fmt.Sprintf("rest%d.", i)})
	}
	for i := range 3 {
		eval = append(eval, lmeval.Doc{Choices: []string{fmt.Sprintf("X%d", i), fmt.Sprintf("Y%d", i)}, Cont: fmt.Sprintf("end%d.", i)})
	}
	spec, _ := Lookup("winogrande")
	task, err := spec.Task(map[string][]lmeval.Doc{"validation": eval, "train": train})
	if err != nil {
		t.Fatal(err)
	}
	shot := func(i int) string { return train[i].Choices[i%2] + " " + train[i].Cont + "\n\n" }
	checkContexts(t, "winogrande", task, 1, []string{shot(7), shot(0), shot(0)})
	var five []string
	for _, idx := range drawK5Plus1 {
		var b strings.Builder
		for _, i := range idx[:5] {
			b.WriteString(shot(i))
		}
		five = append(five, b.String())
	}
	checkContexts(t, "winogrande", task, 5, five)
	reqs, err := task.Requests(5)
	if err != nil {
		t.Fatal(err)
	}
	if r := reqs[5]; r.Context != five[2]+"Y2" || r.Continuation != " end2." {
		t.Errorf("doc 2 choice 1: %q + %q", r.Context, r.Continuation)
	}
}

// LAMBADA draws its shots from its only split, test, without dropping the
// eval doc (its fewshot_split is unset, test_split is test); a shot is the
// context, the default target delimiter " " and the target, which begins
// with its own space; the request's continuation is the target alone.
func TestFewshotLambada(t *testing.T) {
	var docs []lmeval.Doc
	for i := range 8 {
		docs = append(docs, lmeval.Doc{Text: fmt.Sprintf("story %d ends with", i), Choices: []string{fmt.Sprintf(" word%d", i)}})
	}
	spec, _ := Lookup("lambada_openai")
	task, err := spec.Task(map[string][]lmeval.Doc{"test": docs})
	if err != nil {
		t.Fatal(err)
	}
	shot := func(i int) string { return fmt.Sprintf("story %d ends with  word%d\n\n", i, i) }
	draws := [][]int{{7, 0, 6, 5, 4}, {1, 0, 2, 7, 6}, {0, 6, 7, 2, 3}}
	var want []string
	for d, idx := range draws {
		var b strings.Builder
		for _, i := range idx {
			b.WriteString(shot(i))
		}
		want = append(want, b.String()+docs[d].Text)
	}
	checkContexts(t, "lambada", task, 5, want)
	checkContexts(t, "lambada", task, 1, []string{shot(7) + docs[0].Text, shot(1) + docs[1].Text, shot(0) + docs[2].Text})
	reqs, _ := task.Requests(0)
	if reqs[3].Context != "story 3 ends with" || reqs[3].Continuation != " word3" {
		t.Errorf("lambada request %q + %q", reqs[3].Context, reqs[3].Continuation)
	}
}

func TestPythonStrings(t *testing.T) {
	for in, want := range map[string]string{
		"then The robot Is": "Then the robot is", "ßa": "Ssa", "": "", "éLAN": "Élan",
		"ΟΔΟΣ ΟΔΟΣ": "Οδος οδος", "AΣB": "Aσb", "İX": "İx", "ǆemal": "ǅemal",
	} {
		if got := pyCapitalize(in); got != want {
			t.Errorf("capitalize(%q) = %q, want %q", in, got, want)
		}
	}
	// CPython's output; one pass of replace("  ", " ") leaves two of three spaces
	got := hellaswagPreprocess("  Kettle care: The lamp.  [header] x [title] How to fix a pilot Then  ")
	if want := "Kettle care: The lamp.  x. How to fix a pilot Then"; got != want {
		t.Errorf("preprocess = %q, want %q", got, want)
	}
}

// --limit keeps the shots of the full run, also where shots come from the
// eval split itself.
func TestLimitKeepsShots(t *testing.T) {
	var docs []lmeval.Doc
	for i := range 8 {
		docs = append(docs, lmeval.Doc{Text: fmt.Sprintf("story %d", i), Choices: []string{fmt.Sprintf(" w%d", i)}})
	}
	for _, name := range []string{"lambada_openai", "hellaswag"} {
		spec, _ := Lookup(name)
		splits := map[string][]lmeval.Doc{spec.Eval: docs}
		if spec.Fewshot != spec.Eval {
			splits[spec.Fewshot] = docs
		}
		full, err := spec.Task(splits)
		if err != nil {
			t.Fatal(err)
		}
		all, err := Requests(full, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		some, err := Requests(full, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(some) != 2 || some[0].Requests[0] != all[0].Requests[0] || some[1].Requests[0] != all[1].Requests[0] {
			t.Errorf("%s: --limit 2 changed the prompts:\n%v\n%v", name, some, all[:2])
		}
	}
}
