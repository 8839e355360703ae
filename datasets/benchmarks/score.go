package benchmarks

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// LL is a request's log-likelihood and whether its continuation is the
// greedy one.
type LL struct {
	LL     float64
	Greedy bool
}

// Scores are a task's per-document metric values and their aggregates.
type Scores struct {
	N      int
	PerDoc []map[string]float64 // metric → value, one map per doc
	Value  map[string]float64   // metric → aggregate
	Stderr map[string]float64   // metric → standard error (NaN: lm-eval's "N/A")
}

// Score computes the task's metrics (lm-eval's process_results and
// aggregations) from the log-likelihoods of t.Requests(k), in order:
//
//	acc        the choice of highest ll is the gold (loglikelihood tasks:
//	           the target is greedy); mean, stderr of the mean
//	acc_norm   the same on ll / len(choice) in characters; mean
//	perplexity exp(−mean ll) of the targets; bootstrap stderr with
//	           bootstrapIters replicates
func (s *Spec) Score(t *lmeval.Task, reqs []lmeval.Request, lls []LL, bootstrapIters int) (*Scores, error) {
	_, docs, err := t.Eval()
	if err != nil {
		return nil, err
	}
	if len(lls) != len(reqs) {
		return nil, fmt.Errorf("task %s: %d log-likelihoods for %d requests", s.Name, len(lls), len(reqs))
	}
	per := make([][]LL, len(docs))
	for i, r := range reqs {
		per[r.Doc] = append(per[r.Doc], lls[i])
	}
	sc := &Scores{N: len(docs), PerDoc: make([]map[string]float64, len(docs)), Value: map[string]float64{}, Stderr: map[string]float64{}}
	cols := map[string][]float64{}
	for i, d := range docs {
		if len(per[i]) != len(d.Choices) {
			return nil, fmt.Errorf("task %s: doc %d has %d log-likelihoods for %d choices", s.Name, i, len(per[i]), len(d.Choices))
		}
		m := map[string]float64{}
		ll := make([]float64, len(per[i]))
		for c, x := range per[i] {
			ll[c] = x.LL
		}
		switch t.Output {
		case lmeval.Loglikelihood:
			m["perplexity"], m["acc"] = ll[0], b2f(per[i][0].Greedy)
		default:
			m["acc"] = b2f(lmeval.Argmax(ll) == d.Gold)
			norm := make([]float64, len(ll))
			for c := range ll {
				// lm-eval divides by len(choice) (characters); a multiple-input
				// task's choices are its contexts
				norm[c] = ll[c] / float64(utf8.RuneCountInString(d.Choices[c]))
			}
			m["acc_norm"] = b2f(lmeval.Argmax(norm) == d.Gold)
		}
		sc.PerDoc[i] = map[string]float64{}
		for _, name := range s.Metrics {
			sc.PerDoc[i][name] = m[name]
			cols[name] = append(cols[name], m[name])
		}
	}
	for _, name := range s.Metrics {
		if name == "perplexity" {
			sc.Value[name] = lmeval.Perplexity(cols[name])
			sc.Stderr[name] = math.NaN()
			if bootstrapIters > 0 {
				sc.Stderr[name] = lmeval.BootstrapStderr(lmeval.Perplexity, cols[name], bootstrapIters)
			}
			continue
		}
		sc.Value[name], sc.Stderr[name] = lmeval.MeanStderr(cols[name])
	}
	return sc, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Group aggregates the scores of a group's leaf tasks as lm-eval does with
// weight_by_size: means weighted by document count, standard errors
// pooled (pooled_sample_stderr); NaN if any leaf's is.
func Group(metric string, leaves []*Scores) (value, stderr float64, n int) {
	var ms []lmeval.Metrics
	for _, l := range leaves {
		ms = append(ms, lmeval.Metrics{N: l.N, Acc: l.Value[metric], AccStderr: l.Stderr[metric]})
	}
	c := lmeval.Combine(ms...)
	return c.Acc, c.AccStderr, c.N
}
