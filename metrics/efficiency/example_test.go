package efficiency_test

import (
	"fmt"
	"time"

	"github.com/ssmlab/ssmlab/metrics/efficiency"
)

func ExampleTracker() {
	// A fake clock makes the example deterministic: each reading advances
	// 250 ms, so each step (Begin to End) lasts 250 ms.
	now := time.Unix(0, 0)
	tr := &efficiency.Tracker{Warmup: 1, Clock: func() time.Time { now = now.Add(250 * time.Millisecond); return now }}
	const batch, seq = 4, 256
	for range 5 {
		tr.Begin()
		tr.Tensors.Alloc(batch * seq * 4096) // the step's activations, as model code would count them
		tr.Tensors.Free(batch * seq * 4096)
		tr.End(batch * seq)
	}
	r := tr.Report()
	fmt.Printf("%d steps, %.0f tokens/s, %.0f tensor bytes/token\n", r.Steps, r.TokensPerSec, r.TensorBytesPerToken)
	// Output:
	// 4 steps, 4096 tokens/s, 4096 tensor bytes/token
}
