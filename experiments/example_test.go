package experiments_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/store"
)

// A kind is registered once, in init, and runs one trial per call: it
// reads its resolved config and params from ctx.Trial, logs, checkpoints
// and writes a summary. This one just counts.
type counter struct{}

type counterParams struct {
	To int `toml:"to" json:"to"`
}

func (counter) NewParams() any { return &counterParams{To: 3} }

func (counter) Run(ctx *experiments.Context) error {
	p := ctx.Trial.Params.(*counterParams)
	sum := 0
	for i := 1; i <= p.To; i++ {
		sum += i * int(ctx.Seed+1)
		if err := ctx.Log.Write(map[string]int{"i": i, "sum": sum}); err != nil {
			return err
		}
		ctx.Progress.Update(i, p.To)
	}
	return ctx.WriteSummary(map[string]int{"sum": sum})
}

func init() { experiments.RegisterKind("example-counter", counter{}) }

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "count.toml")
	os.WriteFile(file, []byte(`
name = "count"
kind = "example-counter"
params.to = 4
sweep.seed = [0, 1]
`), 0o644)

	e, err := experiments.Load(file, "default")
	if err != nil {
		fmt.Println(err)
		return
	}
	results := filepath.Join(dir, "results")
	opt := experiments.Options{Results: results, Stderr: io.Discard}
	for range 2 { // the second run finds every trial DONE
		rep, _ := experiments.Run(context.Background(), e, opt)
		fmt.Printf("ran %d, skipped %d\n", rep.Ran, rep.Skipped)
	}
	rs, _ := store.Collect(results, "count")
	for _, r := range rs {
		var s struct{ Sum int }
		json.Unmarshal(r.Summary, &s)
		fmt.Println(r.Key, r.Value("seed"), s.Sum)
	}
	// Output:
	// ran 2, skipped 0
	// ran 0, skipped 2
	// seed=0 0 10
	// seed=1 1 20
}
