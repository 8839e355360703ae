package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// Reading results: summaries decoded from results/, and the bootstrap
// settings of the report's intervals.

// decodeSummaries decodes every result's summary.json into T.
func decodeSummaries[T any](rs []store.Result) ([]T, error) {
	out := make([]T, len(rs))
	for i, r := range rs {
		if err := json.Unmarshal(r.Summary, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Join(r.Dir, store.SummaryFile), err)
		}
	}
	return out, nil
}

// bootOptions are the bootstrap settings of the report's intervals: the
// resamples the experiment's config asks for (eval.bootstrap, else 1000),
// 95% level, a fixed seed so the report is reproducible.
func bootOptions(rs []store.Result) bootstrap.Options {
	opt := bootstrap.Options{B: 1000, Level: 0.95, Seed: 2406}
	for _, r := range rs {
		var c struct {
			Eval struct {
				Bootstrap int `json:"bootstrap"`
			} `json:"eval"`
		}
		if json.Unmarshal(r.Config, &c) == nil && c.Eval.Bootstrap > 0 {
			opt.B = c.Eval.Bootstrap
			break
		}
	}
	return opt
}
