package benchmarks

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// Spec is one lm-eval task: where the Hub serves it, which splits it
// evaluates on and draws shots from, how rows become docs, what it scores.
type Spec struct {
	Name    string
	Repo    string // Hub dataset repository (lm-eval's dataset_path)
	Config  string // its config (dataset_name); "default" when it has none
	Output  lmeval.Output
	Eval    string // the split scored: test_split, else validation_split
	Fewshot string // the split shots come from
	Exclude bool   // lm-eval passes the eval doc to the sampler (fewshot_split == test_split)
	FirstN  bool   // first_n sampler (MMLU)
	Metrics []string
	Version float64 // the task YAML's metadata.version
	Desc    string  // description, prepended verbatim
	convert func(t *arrowio.Table) ([]lmeval.Doc, error)
}

// TargetDelimiter is the task's target_delimiter: " " for every task here.
// LAMBADA keeps the default too, so its shots read "context" + " " +
// " word" (two spaces, as lm-eval writes them) while its request's
// continuation is the target alone.
func (s *Spec) TargetDelimiter() string { return " " }

var accNorm = []string{"acc", "acc_norm"}

// specs lists the tasks by name. Splits as in the YAMLs: ARC and OBQA
// evaluate on test with shots from train; HellaSwag, PIQA and WinoGrande
// on validation with shots from train, and, their test_split and
// fewshot_split both being unset, lm-eval hands the sampler the eval doc
// (k+1 drawn, the doc dropped); LAMBADA has only test and draws its shots
// from it without dropping the doc; MMLU takes the first k of dev.
var specs = map[string]*Spec{
	"arc_easy":       {Name: "arc_easy", Repo: "allenai/ai2_arc", Config: "ARC-Easy", Eval: "test", Fewshot: "train", Metrics: accNorm, Version: 1, convert: arcDocs},
	"arc_challenge":  {Name: "arc_challenge", Repo: "allenai/ai2_arc", Config: "ARC-Challenge", Eval: "test", Fewshot: "train", Metrics: accNorm, Version: 1, convert: arcDocs},
	"hellaswag":      {Name: "hellaswag", Repo: "Rowan/hellaswag", Config: "default", Eval: "validation", Fewshot: "train", Exclude: true, Metrics: accNorm, Version: 1, convert: hellaswagDocs},
	"piqa":           {Name: "piqa", Repo: "baber/piqa", Config: "default", Eval: "validation", Fewshot: "train", Exclude: true, Metrics: accNorm, Version: 1, convert: piqaDocs},
	"winogrande":     {Name: "winogrande", Repo: "allenai/winogrande", Config: "winogrande_xl", Output: lmeval.MultipleInput, Eval: "validation", Fewshot: "train", Exclude: true, Metrics: []string{"acc"}, Version: 1, convert: winograndeDocs},
	"lambada_openai": {Name: "lambada_openai", Repo: "EleutherAI/lambada_openai", Config: "default", Output: lmeval.Loglikelihood, Eval: "test", Fewshot: "test", Metrics: []string{"perplexity", "acc"}, Version: 1, convert: lambadaDocs},
	"openbookqa":     {Name: "openbookqa", Repo: "allenai/openbookqa", Config: "main", Eval: "test", Fewshot: "train", Metrics: accNorm, Version: 1, convert: obqaDocs},
}

func init() {
	for _, sub := range mmluSubjects {
		name := "mmlu_" + sub.Name
		specs[name] = &Spec{Name: name, Repo: "cais/mmlu", Config: sub.Name, Eval: "test", Fewshot: "dev", FirstN: true,
			Metrics: []string{"acc"}, Version: 1, convert: mmluDocs,
			Desc: "The following are multiple choice questions (with answers) about " + strings.ReplaceAll(sub.Name, "_", " ") + ".\n\n"}
	}
}

// Lookup returns the task named name.
func Lookup(name string) (*Spec, error) {
	if s, ok := specs[name]; ok {
		return s, nil
	}
	if name == "mmlu" || slices.Contains(MMLUGroups(), name) {
		return nil, fmt.Errorf("%s is a group of mmlu_<subject> tasks; ssmlab eval --tasks %s expands it, eval requests takes one subject", name, name)
	}
	names := Names()
	best, d := "", 1<<30
	for _, n := range names {
		if e := editDistance(name, n); e < d {
			best, d = n, e
		}
	}
	hint := ""
	if d <= 3 {
		hint = fmt.Sprintf(" (did you mean %s?)", best)
	}
	return nil, fmt.Errorf("unknown task %q%s; tasks: arc_easy, arc_challenge, hellaswag, piqa, winogrande, lambada_openai, openbookqa, mmlu_<subject> (57) and the groups mmlu, mmlu_stem, mmlu_humanities, mmlu_social_sciences, mmlu_other", name, hint)
}

// Names lists every task name, sorted.
func Names() []string {
	var out []string
	for n := range specs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

// columns reads the named columns of t as strings, lists of strings or
// int64s, by the type of the destination.
func columns(t *arrowio.Table, cols map[string]any) error {
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	sort.Strings(names) // the first missing column by name, every time
	for _, name := range names {
		dst := cols[name]
		var err error
		switch d := dst.(type) {
		case *[]string:
			*d, err = arrowio.Column[string](t, name)
		case *[][]string:
			*d, err = arrowio.Column[[]string](t, name)
		case *[]int64:
			*d, err = arrowio.Column[int64](t, name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// labelIndex is Python's list.index for a gold label.
func labelIndex(path string, row int, labels []string, key string) (int, error) {
	if i := slices.Index(labels, key); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("%s: row %d: answerKey %q is not one of the choice labels %q", path, row, key, labels)
}

// arcDocs: doc_to_text "Question: {{question}}\nAnswer:", doc_to_choice
// "{{choices.text}}", doc_to_target "{{choices.label.index(answerKey)}}".
func arcDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var q, key []string
	var text, label [][]string
	if err := columns(t, map[string]any{"question": &q, "answerKey": &key, "choices.text": &text, "choices.label": &label}); err != nil {
		return nil, err
	}
	return choiceDocs(t.Path, q, text, label, key, func(s string) string { return "Question: " + s + "\nAnswer:" }, func(s string) string { return s })
}

// obqaDocs: doc_to_text question_stem, doc_to_choice "{{choices.text}}",
// doc_to_target "{{choices.label.index(answerKey.lstrip())}}".
func obqaDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var q, key []string
	var text, label [][]string
	if err := columns(t, map[string]any{"question_stem": &q, "answerKey": &key, "choices.text": &text, "choices.label": &label}); err != nil {
		return nil, err
	}
	return choiceDocs(t.Path, q, text, label, key, func(s string) string { return s }, pyLstrip)
}

func choiceDocs(path string, q []string, text, label [][]string, key []string, tmpl, fixKey func(string) string) ([]lmeval.Doc, error) {
	docs := make([]lmeval.Doc, len(q))
	for i := range q {
		if len(text[i]) != len(label[i]) {
			return nil, fmt.Errorf("%s: row %d: %d choice texts but %d labels", path, i, len(text[i]), len(label[i]))
		}
		g, err := labelIndex(path, i, label[i], fixKey(key[i]))
		if err != nil {
			return nil, err
		}
		docs[i] = lmeval.Doc{Text: tmpl(q[i]), Choices: text[i], Gold: g}
	}
	return docs, nil
}

var bracketed = regexp.MustCompile(`\[.*?\]`)

// hellaswagPreprocess is lm-eval's hellaswag utils.preprocess: strip,
// " [title]" to ". ", drop [bracketed] WikiHow artefacts, "  " to " ".
func hellaswagPreprocess(s string) string {
	s = pyStrip(s)
	s = strings.ReplaceAll(s, " [title]", ". ")
	s = bracketed.ReplaceAllLiteralString(s, "")
	return strings.ReplaceAll(s, "  ", " ")
}

// hellaswagDocs: utils.process_docs builds query =
// preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()),
// choices = [preprocess(e) for e in endings], gold = int(label).
func hellaswagDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var act, a, b, label []string
	var endings [][]string
	if err := columns(t, map[string]any{"activity_label": &act, "ctx_a": &a, "ctx_b": &b, "label": &label, "endings": &endings}); err != nil {
		return nil, err
	}
	docs := make([]lmeval.Doc, len(act))
	for i := range act {
		g, err := strconv.Atoi(pyStrip(label[i]))
		if err != nil || g < 0 || g >= len(endings[i]) {
			return nil, fmt.Errorf("%s: row %d: label %q is not an index into its %d endings", t.Path, i, label[i], len(endings[i]))
		}
		ch := make([]string, len(endings[i]))
		for j, e := range endings[i] {
			ch[j] = hellaswagPreprocess(e)
		}
		docs[i] = lmeval.Doc{Text: hellaswagPreprocess(act[i] + ": " + a[i] + " " + pyCapitalize(b[i])), Choices: ch, Gold: g}
	}
	return docs, nil
}

// piqaDocs: doc_to_text "Question: {{goal}}\nAnswer:", doc_to_choice
// "{{[sol1, sol2]}}", doc_to_target label.
func piqaDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var goal, s1, s2 []string
	var label []int64
	if err := columns(t, map[string]any{"goal": &goal, "sol1": &s1, "sol2": &s2, "label": &label}); err != nil {
		return nil, err
	}
	docs := make([]lmeval.Doc, len(goal))
	for i := range goal {
		if label[i] != 0 && label[i] != 1 {
			return nil, fmt.Errorf("%s: row %d: label %d, want 0 or 1", t.Path, i, label[i])
		}
		docs[i] = lmeval.Doc{Text: "Question: " + goal[i] + "\nAnswer:", Choices: []string{s1[i], s2[i]}, Gold: int(label[i])}
	}
	return docs, nil
}

// winograndeDocs: preprocess_winogrande's doc_to_choice is the sentence up
// to the "_" with each option, doc_to_target the rest after it, stripped,
// doc_to_text {"1": 0, "2": 1}[answer].
func winograndeDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var sent, o1, o2, ans []string
	if err := columns(t, map[string]any{"sentence": &sent, "option1": &o1, "option2": &o2, "answer": &ans}); err != nil {
		return nil, err
	}
	docs := make([]lmeval.Doc, len(sent))
	for i, s := range sent {
		k := strings.Index(s, "_")
		if k < 0 {
			return nil, fmt.Errorf("%s: row %d: sentence has no \"_\" blank", t.Path, i)
		}
		g := map[string]int{"1": 0, "2": 1}
		gold, ok := g[ans[i]]
		if !ok {
			return nil, fmt.Errorf("%s: row %d: answer %q, want \"1\" or \"2\"", t.Path, i, ans[i])
		}
		docs[i] = lmeval.Doc{Choices: []string{s[:k] + o1[i], s[:k] + o2[i]}, Gold: gold, Cont: pyStrip(s[k+1:])}
	}
	return docs, nil
}

// lambadaDocs: doc_to_text "{{text.split(' ')[:-1]|join(' ')}}",
// doc_to_target "{{' '+text.split(' ')[-1]}}" (split on single spaces).
func lambadaDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	text, err := arrowio.Column[string](t, "text")
	if err != nil {
		return nil, err
	}
	docs := make([]lmeval.Doc, len(text))
	for i, s := range text {
		parts := strings.Split(s, " ")
		docs[i] = lmeval.Doc{Text: strings.Join(parts[:len(parts)-1], " "), Choices: []string{" " + parts[len(parts)-1]}}
	}
	return docs, nil
}

// mmluDocs: doc_to_text "{{question.strip()}}\nA. {{choices[0]}}\nB. ...
// \nD. {{choices[3]}}\nAnswer:", doc_to_choice ["A", "B", "C", "D"],
// doc_to_target answer.
func mmluDocs(t *arrowio.Table) ([]lmeval.Doc, error) {
	var q []string
	var ch [][]string
	var ans []int64
	if err := columns(t, map[string]any{"question": &q, "choices": &ch, "answer": &ans}); err != nil {
		return nil, err
	}
	docs := make([]lmeval.Doc, len(q))
	for i := range q {
		if len(ch[i]) != 4 {
			return nil, fmt.Errorf("%s: row %d: %d choices, want 4", t.Path, i, len(ch[i]))
		}
		if ans[i] < 0 || ans[i] > 3 {
			return nil, fmt.Errorf("%s: row %d: answer %d, want 0-3", t.Path, i, ans[i])
		}
		var b strings.Builder
		b.WriteString(pyStrip(q[i]))
		for j, c := range ch[i] {
			b.WriteString("\n" + string(rune('A'+j)) + ". " + c)
		}
		b.WriteString("\nAnswer:")
		docs[i] = lmeval.Doc{Text: b.String(), Choices: []string{"A", "B", "C", "D"}, Gold: int(ans[i])}
	}
	return docs, nil
}
