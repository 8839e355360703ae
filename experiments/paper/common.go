package paper

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/metrics/divergence"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
)

// modelInfo describes the trial's model for summaries.
func modelInfo(t *config.Trial, m lm.Model) summary.Model {
	s := summary.Model{Name: t.ModelName, Arch: m.Arch(), Family: Family(t.Model, m), Params: ParamCount(m), Seed: t.Seed}
	if t.Model != nil {
		s.Size = t.Model.Size
	}
	if s.Size == "" {
		s.Size = humanCount(s.Params)
	}
	return s
}

func humanCount(n int) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// readSummary decodes an artifact's summary.json.
func readSummary(dir string, v any) error {
	raw, err := fsx.ReadFile(filepath.Join(dir, "summary.json"))
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", dir, err)
	}
	return nil
}

// accByK returns mean acc and acc_norm per shot count, in shots order.
func accByK(s summary.Scores, shots []int) (acc, norm []float64) {
	for _, k := range shots {
		var a, b float64
		n := 0
		for _, t := range s.Tasks {
			if t.K != k {
				continue
			}
			for i := range t.Acc {
				a += t.Acc[i]
				b += t.AccNorm[i]
				n++
			}
		}
		acc, norm = append(acc, a/float64(max(n, 1))), append(norm, b/float64(max(n, 1)))
	}
	return acc, norm
}

// items returns per shot count the acc of every doc of every task, tasks
// in order: the same items in the same order for any model evaluated on
// the same data.
func items(s summary.Scores, shots []int) [][]float64 {
	out := make([][]float64, len(shots))
	for i, k := range shots {
		for _, t := range s.Tasks {
			if t.K == k {
				out[i] = append(out[i], t.Acc...)
			}
		}
	}
	return out
}

// familyAcc returns each family's mean acc per shot count.
func familyAcc(s summary.Scores, shots []int) []summary.FamilyAcc {
	sums := map[string][]float64{}
	counts := map[string][]int{}
	for _, t := range s.Tasks {
		if sums[t.Family] == nil {
			sums[t.Family], counts[t.Family] = make([]float64, len(shots)), make([]int, len(shots))
		}
		for i, k := range shots {
			if t.K == k {
				for _, a := range t.Acc {
					sums[t.Family][i] += a
					counts[t.Family][i]++
				}
			}
		}
	}
	var out []summary.FamilyAcc
	for f, s := range sums {
		fa := summary.FamilyAcc{Family: f, Acc: make([]float64, len(shots))}
		for i := range s {
			fa.Acc[i] = s[i] / float64(max(counts[f][i], 1))
		}
		out = append(out, fa)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Family < out[j].Family })
	return out
}

// accDivergence compares two evaluations of the same tasks: the mean over
// families and shot counts of |acc_a − acc_b| in percentage points, the
// same over tasks, and the fraction of (item, k) whose correctness differs.
func accDivergence(a, b summary.Scores, shots []int) (famPP, taskPP, flip float64, err error) {
	if len(a.Tasks) != len(b.Tasks) {
		return 0, 0, 0, fmt.Errorf("evaluations of %d and %d task-shot pairs", len(a.Tasks), len(b.Tasks))
	}
	var fa, fb []float64
	fA, fB := familyAcc(a, shots), familyAcc(b, shots)
	for i := range fA {
		fa, fb = append(fa, fA[i].Acc...), append(fb, fB[i].Acc...)
	}
	if famPP, err = divergence.Points(fa, fb); err != nil {
		return 0, 0, 0, err
	}
	ia, ib := make([][]float64, len(a.Tasks)), make([][]float64, len(b.Tasks))
	for i, ta := range a.Tasks {
		tb := b.Tasks[i]
		if ta.Task != tb.Task || ta.K != tb.K || len(ta.Acc) != len(tb.Acc) {
			return 0, 0, 0, fmt.Errorf("task %s k=%d does not match %s k=%d", ta.Task, ta.K, tb.Task, tb.K)
		}
		ia[i], ib[i] = ta.Acc, tb.Acc
	}
	taskPP, flip, err = divergence.Items(ia, ib)
	return famPP, taskPP, flip, err
}

// logitDivergence runs the k-shot prompts of the first nTasks tasks (their
// first items docs) through a under polA and b under polB and compares the
// logits at every position: max |Δ|, mean KL(a ‖ b), argmax flips.
func logitDivergence(ctx context.Context, a lm.Model, polA precision.Policy, b lm.Model, polB precision.Policy,
	tasks []*lmeval.Task, tok tokenizer.Tokenizer, k, nTasks, items int) (divergence.LogitStats, error) {
	var acc divergence.Logits
	V := a.VocabSize()
	for _, t0 := range tasks[:min(nTasks, len(tasks))] {
		if err := ctx.Err(); err != nil {
			return divergence.LogitStats{}, err
		}
		t, err := limitTask(t0, items)
		if err != nil {
			return divergence.LogitStats{}, err
		}
		ctxs, err := t.Contexts(k)
		if err != nil {
			return divergence.LogitStats{}, err
		}
		for _, c := range ctxs {
			ids := tok.Encode(c)
			if len(ids) == 0 {
				continue
			}
			if err := lm.CheckIDs("task "+t.Name, ids, 1, len(ids), V); err != nil {
				return divergence.LogitStats{}, err
			}
			la := append([]float32(nil), lm.Infer(a, polA, ids, 1, len(ids))...)
			lb := lm.Infer(b, polB, ids, 1, len(ids))
			acc.Add(la, lb, V)
		}
	}
	return acc.Stats(), nil
}

// needs lists the artifacts a trial will ask for, so shards prebuild them.
func needsOf(specs ...any) []experiments.Need {
	var out []experiments.Need
	for _, s := range specs {
		switch s := s.(type) {
		case BaseSpec:
			if s.Model.Path == "" {
				out = append(out, experiments.Need{Artifact: "pretrain", Spec: s})
			}
		case FinetuneSpec:
			out = append(out, needsOf(s.Base)...)
			out = append(out, experiments.Need{Artifact: "finetune", Spec: s})
		}
	}
	return out
}
