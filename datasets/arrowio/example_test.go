package arrowio_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

// Write a table in the HF cache format, read it back by column, and see the
// one-line error a wrong column type gives.
func Example() {
	dir, _ := os.MkdirTemp("", "arrowio")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "toy-train.arrow")

	tab, _ := arrowio.NewTable(path,
		arrowio.Col{Name: "question", Values: []string{"2+2?", "3+3?"}},
		arrowio.Col{Name: "choices", Values: [][]string{{"4", "5"}, {"5", "6"}}},
		arrowio.Col{Name: "answer", Values: []int64{0, 1}})
	if err := arrowio.Write(path, tab); err != nil {
		fmt.Println(err)
	}

	back, _ := arrowio.ReadTable(path)
	choices, _ := arrowio.Column[[]string](back, "choices")
	answers, _ := arrowio.Column[int64](back, "answer")
	fmt.Println(choices, answers)
	_, err := arrowio.Column[string](back, "answer")
	fmt.Println(filepath.Base(err.Error()))
	line, _ := arrowio.AppendRowJSON(nil, back.Records[0], 1)
	fmt.Println(string(line))
	// Output:
	// [[4 5] [5 6]] [0 1]
	// toy-train.arrow: column "answer": want string, have int64
	// {"question":"3+3?","choices":["5","6"],"answer":1}
}
