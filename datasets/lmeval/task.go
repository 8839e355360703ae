package lmeval

import (
	"fmt"
	"sort"
)

// Doc is one document after lm-eval's doc_to_text, doc_to_choice and
// doc_to_target (the gold as an index into Choices). What the fields hold
// depends on the task's Output:
//
//	MultipleChoice  Text the question, Choices the answers, Gold the right one
//	MultipleInput   Choices the contexts (WinoGrande's sentence up to the
//	                blank with each option), Gold the right one, Cont the
//	                continuation they share; Text is unused
//	Loglikelihood   Text the context, Choices[0] the target (LAMBADA's
//	                " " + last word), Gold 0
type Doc struct {
	Text    string
	Choices []string
	Gold    int
	Cont    string
}

// Target is the text of the gold choice: what a shot shows as its answer.
func (d Doc) Target() string { return d.Choices[d.Gold] }

func (d Doc) equal(o Doc) bool {
	if d.Text != o.Text || d.Gold != o.Gold || d.Cont != o.Cont || len(d.Choices) != len(o.Choices) {
		return false
	}
	for i := range d.Choices {
		if d.Choices[i] != o.Choices[i] {
			return false
		}
	}
	return true
}

// Sampler picks the shots of each prompt.
type Sampler int

const (
	// Random is lm-eval's default: random.Random(seed).sample(fewshot_docs, k),
	// one generator per task consumed in eval-doc order.
	Random Sampler = iota
	// FirstN takes the first k few-shot docs in order (MMLU's sampler).
	FirstN
)

// Output is lm-eval's output_type of a task, which decides how a doc
// becomes requests and how its log-likelihoods are scored.
type Output int

const (
	// MultipleChoice sends (context, delimiter + choice) per choice; acc and
	// acc_norm compare the choices' log-likelihoods.
	MultipleChoice Output = iota
	// MultipleInput is a multiple_choice task whose doc_to_text is the gold
	// index (WinoGrande): one request (context + choice, delimiter + Cont)
	// per choice; acc compares them.
	MultipleInput
	// Loglikelihood sends one request (context, target); acc is whether the
	// target is the greedy continuation, perplexity exp(−mean ll).
	Loglikelihood
)

// Task is a multiple-choice task with lm-eval's defaults (see NewTask).
type Task struct {
	Name         string
	Output       Output
	Description  string           // prepended verbatim (lm-eval's description; MMLU's ends in "\n\n")
	Splits       map[string][]Doc // train, validation, test, or any names
	EvalSplit    string           // "" means test if present, else validation
	FewshotSplit string           // "" means train, then validation, then test
	// ExcludeEval makes the sampler draw k+1 shots and drop the eval doc,
	// as lm-eval does when a config's fewshot_split equals its test_split,
	// which includes both being unset (HellaSwag, PIQA, WinoGrande). A
	// FewshotSplit naming the eval split implies it.
	ExcludeEval      bool
	Sampler          Sampler
	FewshotSeed      int64  // lm-eval's fewshot_random_seed, default 1234
	TargetDelimiter  string // between question and answer, default " "
	FewshotDelimiter string // after each shot, default "\n\n"
}

// NewTask returns a task over splits with lm-eval's default settings.
func NewTask(name string, splits map[string][]Doc) *Task {
	return &Task{Name: name, Splits: splits, FewshotSeed: 1234, TargetDelimiter: " ", FewshotDelimiter: "\n\n"}
}

// Eval returns the name and docs of the split evaluated on.
func (t *Task) Eval() (string, []Doc, error) {
	return t.pick(t.EvalSplit, "test", "validation")
}

// Fewshot returns the name and docs of the split shots are drawn from.
func (t *Task) Fewshot() (string, []Doc, error) {
	return t.pick(t.FewshotSplit, "train", "validation", "test")
}

func (t *Task) pick(named string, order ...string) (string, []Doc, error) {
	if named != "" {
		order = []string{named}
	}
	for _, s := range order {
		if docs, ok := t.Splits[s]; ok {
			return s, docs, nil
		}
	}
	var have []string
	for s := range t.Splits {
		have = append(have, s)
	}
	sort.Strings(have)
	return "", nil, fmt.Errorf("task %s: no split %v (has %v)", t.Name, order, have)
}

// Validate checks every doc: at least one choice, gold in range.
// A Loglikelihood doc has exactly one choice (its target).
func (t *Task) Validate() error {
	for name, docs := range t.Splits {
		for i, d := range docs {
			if t.Output == Loglikelihood && len(d.Choices) != 1 {
				return fmt.Errorf("task %s: %s doc %d: %d targets, want 1", t.Name, name, i, len(d.Choices))
			}
			if len(d.Choices) == 0 || d.Gold < 0 || d.Gold >= len(d.Choices) {
				return fmt.Errorf("task %s: %s doc %d: gold %d with %d choices", t.Name, name, i, d.Gold, len(d.Choices))
			}
		}
	}
	return nil
}
