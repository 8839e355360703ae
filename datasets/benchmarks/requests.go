package benchmarks

import "github.com/ssmlab/ssmlab/datasets/lmeval"

// DocRequests is one document's requests as lm-eval's --log_samples lists
// them ("arguments"): (context, continuation) pairs in choice order, and
// the gold index (nil for a loglikelihood task).
type DocRequests struct {
	DocID    int         `json:"doc_id"`
	Requests [][2]string `json:"requests"`
	Gold     *int        `json:"gold"`
}

// Requests returns the requests of the first limit eval docs of t (all if
// limit <= 0) at k shots, in document order.
func Requests(t *lmeval.Task, k, limit int) ([]DocRequests, error) {
	t, err := Limit(t, limit)
	if err != nil {
		return nil, err
	}
	reqs, err := t.Requests(k)
	if err != nil {
		return nil, err
	}
	_, docs, _ := t.Eval()
	out := make([]DocRequests, len(docs))
	for i, d := range docs {
		out[i].DocID = i
		if t.Output != lmeval.Loglikelihood {
			g := d.Gold
			out[i].Gold = &g
		}
	}
	for _, r := range reqs {
		out[r.Doc].Requests = append(out[r.Doc].Requests, [2]string{r.Context, r.Continuation})
	}
	return out, nil
}

// Limit returns t with its eval split cut to the first n docs (all if n
// <= 0), as lm-eval's --limit: the sampler draws shots in eval-doc order,
// so the kept docs get the shots they get in the full run.
func Limit(t *lmeval.Task, n int) (*lmeval.Task, error) {
	split, docs, err := t.Eval()
	if err != nil {
		return nil, err
	}
	if n <= 0 || n >= len(docs) {
		return t, nil
	}
	c := *t
	c.Splits = map[string][]lmeval.Doc{}
	for k, v := range t.Splits {
		c.Splits[k] = v
	}
	c.Splits[split] = docs[:n]
	c.EvalSplit = split
	if fs, pool, err := t.Fewshot(); err == nil && fs == split {
		// shots still come from the whole split (LAMBADA's test)
		c.ExcludeEval = t.ExcludeEval || t.FewshotSplit != ""
		c.FewshotSplit = split + " (all docs, for shots)"
		c.Splits[c.FewshotSplit] = pool
	}
	return &c, nil
}
