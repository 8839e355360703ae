package lmeval

import (
	"fmt"
	"sort"
)

// Doc is one multiple-choice document after lm-eval's doc_to_text,
// doc_to_choice and doc_to_target (the gold as an index into Choices).
type Doc struct {
	Text    string
	Choices []string
	Gold    int
}

// Target is the text of the gold choice: what a shot shows as its answer.
func (d Doc) Target() string { return d.Choices[d.Gold] }

func (d Doc) equal(o Doc) bool {
	if d.Text != o.Text || d.Gold != o.Gold || len(d.Choices) != len(o.Choices) {
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

// Task is a multiple-choice task with lm-eval's defaults (see NewTask).
type Task struct {
	Name             string
	Description      string           // prepended, followed by FewshotDelimiter, if not empty
	Splits           map[string][]Doc // train, validation, test, or any names
	EvalSplit        string           // "" means test if present, else validation
	FewshotSplit     string           // "" means train, then validation, then test
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
func (t *Task) Validate() error {
	for name, docs := range t.Splits {
		for i, d := range docs {
			if len(d.Choices) == 0 || d.Gold < 0 || d.Gold >= len(d.Choices) {
				return fmt.Errorf("task %s: %s doc %d: gold %d with %d choices", t.Name, name, i, d.Gold, len(d.Choices))
			}
		}
	}
	return nil
}
