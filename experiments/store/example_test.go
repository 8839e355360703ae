package store_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/store"
)

// A trial's config.json holds a hash of the resolved config; a changed
// setting changes the hash, and Diff says which setting changed.
func ExampleDiff() {
	type train struct {
		Steps int     `json:"steps"`
		LR    float64 `json:"learning_rate"`
	}
	old, _ := store.NewConfig(map[string]any{"train": train{100, 1e-3}}, "1")
	cur, _ := store.NewConfig(map[string]any{"train": train{100, 2e-3}}, "1")
	fmt.Println(old.Hash == cur.Hash)
	fmt.Println(store.Diff(old, cur))
	fmt.Println(store.RunDir("results", "mp_inference", "model=mamba-s_seed=0"))
	// Output:
	// false
	// train.learning_rate: 0.001 -> 0.002
	// results/runs/mp_inference/model=mamba-s_seed=0
}
