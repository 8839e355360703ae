package datasets

import (
	"fmt"
	"sort"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// MCRow is a multiple-choice item in lm-eval style: the question (the text
// doc_to_text gives, e.g. "Question: ...\nAnswer:"), the choices, and the
// index of the gold choice. Task names the task a row belongs to when one
// file holds several (the optional "task" column).
type MCRow struct {
	Task     string
	Question string
	Choices  []string
	Answer   int
}

// Columns of the multiple-choice schema.
const (
	ColTask     = "task"     // string, optional
	ColQuestion = "question" // string
	ColChoices  = "choices"  // list<string>
	ColAnswer   = "answer"   // int64 (any integer type reads)
)

// MCTable converts rows to a table with columns task, question, choices,
// answer (task only if any row has one).
func MCTable(name string, rows []MCRow) (*arrowio.Table, error) {
	var task, q []string
	var ch [][]string
	var ans []int64
	hasTask := false
	for _, r := range rows {
		task, q, ch, ans = append(task, r.Task), append(q, r.Question), append(ch, r.Choices), append(ans, int64(r.Answer))
		hasTask = hasTask || r.Task != ""
	}
	cols := []arrowio.Col{{Name: ColQuestion, Values: q}, {Name: ColChoices, Values: ch}, {Name: ColAnswer, Values: ans}}
	if hasTask {
		cols = append([]arrowio.Col{{Name: ColTask, Values: task}}, cols...)
	}
	return arrowio.NewTable(name, cols...)
}

// MCRows reads the multiple-choice columns of t and checks every answer is
// a valid index into its choices.
func MCRows(t *arrowio.Table) ([]MCRow, error) {
	q, err := arrowio.Column[string](t, ColQuestion)
	if err != nil {
		return nil, err
	}
	ch, err := arrowio.Column[[]string](t, ColChoices)
	if err != nil {
		return nil, err
	}
	ans, err := arrowio.Column[int64](t, ColAnswer)
	if err != nil {
		return nil, err
	}
	task := make([]string, len(q))
	if len(t.Schema.FieldIndices(ColTask)) > 0 {
		if task, err = arrowio.Column[string](t, ColTask); err != nil {
			return nil, err
		}
	}
	rows := make([]MCRow, len(q))
	for i := range rows {
		if ans[i] < 0 || ans[i] >= int64(len(ch[i])) {
			return nil, fmt.Errorf("%s: row %d: answer %d is not an index into its %d choices", t.Path, i, ans[i], len(ch[i]))
		}
		rows[i] = MCRow{task[i], q[i], ch[i], int(ans[i])}
	}
	return rows, nil
}

// MCTasks groups the rows of the splits of a multiple-choice dataset by
// task (in order of first appearance; rows without a task form one task
// named name) into lmeval tasks with lm-eval's defaults.
func MCTasks(name string, splits map[string][]MCRow) []*lmeval.Task {
	var order []string
	byTask := map[string]map[string][]lmeval.Doc{}
	names := []string{"train", "validation", "test"}
	var others []string
	for s := range splits {
		if s != "train" && s != "validation" && s != "test" {
			others = append(others, s)
		}
	}
	sort.Strings(others)
	for _, split := range append(names, others...) {
		for _, r := range splits[split] {
			tn := r.Task
			if tn == "" {
				tn = name
			}
			if byTask[tn] == nil {
				byTask[tn] = map[string][]lmeval.Doc{}
				order = append(order, tn)
			}
			byTask[tn][split] = append(byTask[tn][split], lmeval.Doc{Text: r.Question, Choices: r.Choices, Gold: r.Answer})
		}
	}
	tasks := make([]*lmeval.Task, len(order))
	for i, tn := range order {
		tasks[i] = lmeval.NewTask(tn, byTask[tn])
	}
	return tasks
}

// LoadMCTasks reads the train, validation and test splits that exist in the
// multiple-choice dataset at path (any layout arrowio.Find knows) and
// returns its tasks (see MCTasks).
func LoadMCTasks(path string) ([]*lmeval.Task, error) {
	d, err := arrowio.Find(path)
	if err != nil {
		return nil, err
	}
	splits := map[string][]MCRow{}
	for _, s := range d.Splits {
		t, err := arrowio.ReadFiles(path, s.Files...)
		if err != nil {
			return nil, err
		}
		if splits[s.Name], err = MCRows(t); err != nil {
			return nil, err
		}
	}
	return MCTasks(path, splits), nil
}

// Columns of the instruction schema (Alpaca's) and the token schema.
const (
	ColInstruction = "instruction" // string
	ColInput       = "input"       // string
	ColOutput      = "output"      // string
	ColInputIDs    = "input_ids"   // list<int32>: one token sequence per row
	ColLabels      = "labels"      // list<int32>: targets, -100 where none
	ColText        = "text"        // string: one document per row
)

// InstructionRow is one instruction-tuning example in Alpaca's schema.
type InstructionRow struct {
	Instruction, Input, Output string
}

// InstructionTable converts rows to a table with columns instruction,
// input, output, plus any extra string columns given.
func InstructionTable(name string, rows []InstructionRow, extra ...arrowio.Col) (*arrowio.Table, error) {
	ins, in, out := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		ins[i], in[i], out[i] = r.Instruction, r.Input, r.Output
	}
	cols := []arrowio.Col{{Name: ColInstruction, Values: ins}, {Name: ColInput, Values: in}, {Name: ColOutput, Values: out}}
	return arrowio.NewTable(name, append(cols, extra...)...)
}

// InstructionRows reads the instruction, input and output columns of t.
// A missing input column reads as empty inputs (Alpaca rows without one).
func InstructionRows(t *arrowio.Table) ([]InstructionRow, error) {
	ins, err := arrowio.Column[string](t, ColInstruction)
	if err != nil {
		return nil, err
	}
	out, err := arrowio.Column[string](t, ColOutput)
	if err != nil {
		return nil, err
	}
	in := make([]string, len(ins))
	if len(t.Schema.FieldIndices(ColInput)) > 0 {
		if in, err = arrowio.Column[string](t, ColInput); err != nil {
			return nil, err
		}
	}
	rows := make([]InstructionRow, len(ins))
	for i := range rows {
		rows[i] = InstructionRow{ins[i], in[i], out[i]}
	}
	return rows, nil
}

// TokenTable is a table of token sequences (column input_ids), with a
// labels column too if labels is not nil.
func TokenTable(name string, ids, labels [][]int32) (*arrowio.Table, error) {
	cols := []arrowio.Col{{Name: ColInputIDs, Values: ids}}
	if labels != nil {
		cols = append(cols, arrowio.Col{Name: ColLabels, Values: labels})
	}
	return arrowio.NewTable(name, cols...)
}

// TokenRows reads the input_ids column of t (any integer list type that
// fits in int32).
func TokenRows(t *arrowio.Table) ([][]int32, error) {
	return arrowio.Column[[]int32](t, ColInputIDs)
}
