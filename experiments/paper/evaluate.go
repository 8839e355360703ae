package paper

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// EvalSpec says what to evaluate: tasks at several shot counts, at most
// Items docs per task (0: all), MaxLen positions (lm-eval's max_length),
// Batch requests per forward pass.
type EvalSpec struct {
	Tasks  []*lmeval.Task
	Tok    tokenizer.Tokenizer
	Shots  []int
	Items  int
	MaxLen int
	Batch  int
}

// TaskScores holds one task at one shot count (summary.TaskScores).
type TaskScores = summary.TaskScores

// limitTask returns t with its eval split cut to the first n docs. lm-eval's
// sampler draws shots in eval-doc order, so the kept docs get the shots
// they would get in the full run.
func limitTask(t *lmeval.Task, n int) (*lmeval.Task, error) {
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
	if c.EvalSplit == "" {
		c.EvalSplit = split
	}
	return &c, nil
}

type scored struct {
	input      []int
	start      int
	cont       []int
	task, doc  int
	choice, nc int
}

// Evaluate scores every task at every shot count under pol and returns one
// TaskScores per (task, k), tasks in order, k in spec order.
func Evaluate(ctx context.Context, m lm.Model, pol precision.Policy, spec EvalSpec) ([]TaskScores, error) {
	var out []TaskScores
	for ki, k := range spec.Shots {
		var reqs []scored
		var base []int // index in out of each task at this k
		for ti, t0 := range spec.Tasks {
			t, err := limitTask(t0, spec.Items)
			if err != nil {
				return nil, err
			}
			rs, err := t.Requests(k)
			if err != nil {
				return nil, err
			}
			_, docs, _ := t.Eval()
			fam, _, _ := strings.Cut(t.Name, "/")
			ts := TaskScores{Task: t.Name, Family: fam, K: k, LL: make([][]float64, len(docs))}
			for i, d := range docs {
				ts.LL[i] = make([]float64, len(d.Choices))
			}
			base = append(base, len(out))
			out = append(out, ts)
			for _, r := range rs {
				c, cont := lmeval.EncodePair(spec.Tok, r.Context, r.Continuation)
				in, start, err := lmeval.Window(c, cont, spec.MaxLen)
				if err != nil {
					return nil, fmt.Errorf("task %s doc %d: %v", t.Name, r.Doc, err)
				}
				if err := lm.CheckIDs("task "+t.Name, in, 1, len(in), m.VocabSize()); err != nil {
					return nil, err
				}
				reqs = append(reqs, scored{in, start, cont, ti, r.Doc, r.Choice, len(docs[r.Doc].Choices)})
			}
		}
		if err := scoreAll(ctx, m, pol, reqs, spec.Batch, func(r scored, ll float64) {
			out[base[r.task]].LL[r.doc][r.choice] = ll
		}); err != nil {
			return nil, err
		}
		for _, i := range base {
			finishScores(&out[i], spec.Tasks)
		}
		if c, ok := ctx.(*experiments.Context); ok && c.Progress != nil {
			c.Progress.Step(ki+1, len(spec.Shots), fmt.Sprintf("shot counts evaluated (%d requests at k=%d)", len(reqs), k))
		}
	}
	return out, nil
}

func finishScores(ts *TaskScores, tasks []*lmeval.Task) {
	var docs []lmeval.Doc
	for _, t := range tasks {
		if t.Name == ts.Task {
			_, docs, _ = t.Eval()
		}
	}
	ts.Acc, ts.AccNorm = make([]float64, len(ts.LL)), make([]float64, len(ts.LL))
	for i, ll := range ts.LL {
		if lmeval.Acc(docs[i], ll) {
			ts.Acc[i] = 1
		}
		if lmeval.AccNorm(docs[i], ll) {
			ts.AccNorm[i] = 1
		}
	}
}

// scoreAll runs the requests in batches, right-padded to the longest input
// of the batch (causal models: padding after a position cannot change its
// logits), and reports each request's summed continuation log-probability.
func scoreAll(ctx context.Context, m lm.Model, pol precision.Policy, reqs []scored, batch int, done func(scored, float64)) error {
	if batch < 1 {
		batch = 8
	}
	V := m.VocabSize()
	for lo := 0; lo < len(reqs); lo += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		rs := reqs[lo:min(lo+batch, len(reqs))]
		T := 0
		for _, r := range rs {
			T = max(T, len(r.input))
		}
		ids := make([]int, len(rs)*T)
		for b, r := range rs {
			copy(ids[b*T:], r.input)
		}
		logits := lm.Infer(m, pol, ids, len(rs), T)
		for b, r := range rs {
			var ll float64
			for j, tok := range r.cont {
				row := logits[(b*T+r.start+j)*V : (b*T+r.start+j+1)*V]
				ll += float64(row[tok]) - tensor.LogSumExp(row)
			}
			done(r, ll)
		}
	}
	return nil
}
