package datasets

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

func TestMCRowsFromPyarrowFixture(t *testing.T) {
	path := filepath.Join("..", "testdata", "fixtures", "seed0", "arrow", "train-00000-of-00001.parquet")
	tasks, err := LoadMCTasks(path)
	if err != nil {
		t.Fatal(err)
	}
	// A single file is one task with one split, train (from its name); to
	// evaluate on it, say so.
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	if _, _, err := tasks[0].Eval(); err == nil {
		t.Error("a train-only task has no default eval split")
	}
	tasks[0].EvalSplit = "train"
	if _, docs, err := tasks[0].Eval(); err != nil || len(docs) != 40 || docs[5].Gold != 1 {
		t.Errorf("eval on train: %d docs, %v", len(docs), err)
	}
	tab, err := arrowio.ReadTable(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := MCRows(tab)
	if err != nil || len(rows) != 40 || rows[0].Question != "q0: what follows 15?" || rows[0].Answer != 3 ||
		!reflect.DeepEqual(rows[0].Choices, []string{"c0-0", "c1-0", "c2-0", "c3-0"}) {
		t.Errorf("rows: %v %v", rows[:1], err)
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	dir := t.TempDir()
	mc := []MCRow{{Task: "a", Question: "q ->", Choices: []string{"x", "y"}, Answer: 1}, {Task: "b", Question: "r ->", Choices: []string{"z"}}}
	tab, err := MCTable("mc", mc)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "test.parquet")
	if err := arrowio.Write(p, tab); err != nil {
		t.Fatal(err)
	}
	back, _ := arrowio.ReadTable(p)
	if got, err := MCRows(back); err != nil || !reflect.DeepEqual(got, mc) {
		t.Errorf("MC rows: %v %v", got, err)
	}
	tasks, err := LoadMCTasks(p)
	if err != nil || len(tasks) != 2 || tasks[1].Name != "b" {
		t.Errorf("tasks: %v %v", tasks, err)
	}

	ins := []InstructionRow{{"Add x.", "ab", "abx"}, {"Say hi.", "", "hi"}}
	tab, _ = InstructionTable("ins", ins)
	if got, err := InstructionRows(tab); err != nil || !reflect.DeepEqual(got, ins) {
		t.Errorf("instruction rows: %v %v", got, err)
	}
	tab, _ = TokenTable("tok", [][]int32{{1, 2}, {3}}, [][]int32{{-100, 2}, {3}})
	if got, err := TokenRows(tab); err != nil || !reflect.DeepEqual(got, [][]int32{{1, 2}, {3}}) {
		t.Errorf("tokens: %v %v", got, err)
	}
}

func TestSchemaErrors(t *testing.T) {
	tab, _ := arrowio.NewTable("bad.arrow", arrowio.Col{Name: "question", Values: []string{"q"}},
		arrowio.Col{Name: "choices", Values: [][]string{{"a", "b"}}}, arrowio.Col{Name: "answer", Values: []int64{2}})
	if _, err := MCRows(tab); err == nil || err.Error() != "bad.arrow: row 0: answer 2 is not an index into its 2 choices" {
		t.Errorf("got %v", err)
	}
	tab, _ = arrowio.NewTable("bad.arrow", arrowio.Col{Name: "question", Values: []string{"q"}},
		arrowio.Col{Name: "choices", Values: []string{"a"}}, arrowio.Col{Name: "answer", Values: []int64{0}})
	if _, err := MCRows(tab); err == nil || !strings.Contains(err.Error(), `bad.arrow: column "choices": want list<string>, have string`) {
		t.Errorf("got %v", err)
	}
}
