package lmeval

import (
	"fmt"
	"strings"
)

// Contexts returns the k-shot context of every eval doc, in order:
//
//	[Description + FewshotDelimiter] +
//	k x (Text(shot) + TargetDelimiter + Target(shot) + FewshotDelimiter) +
//	Text(doc)
func (t *Task) Contexts(k int) ([]string, error) {
	shots, err := t.Shots(k)
	if err != nil {
		return nil, err
	}
	_, docs, _ := t.Eval()
	out := make([]string, len(docs))
	for i, doc := range docs {
		out[i] = t.context(shots[i], doc)
	}
	return out, nil
}

// Shots returns the k shots of every eval doc, in order. One sampler,
// seeded with FewshotSeed, draws the shots of all docs in turn, as lm-eval
// does. When the few-shot split is the eval split, k+1 docs are drawn and
// any equal to the eval doc dropped before keeping k.
func (t *Task) Shots(k int) ([][]Doc, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	evalName, docs, err := t.Eval()
	if err != nil {
		return nil, err
	}
	var pool []Doc
	same := false
	if k > 0 {
		var fsName string
		if fsName, pool, err = t.Fewshot(); err != nil {
			return nil, err
		}
		same = fsName == evalName
	}
	rng := NewPyRandom(t.FewshotSeed)
	out := make([][]Doc, len(docs))
	for i, doc := range docs {
		if out[i], err = t.shots(rng, pool, doc, k, same); err != nil {
			return nil, fmt.Errorf("task %s: doc %d: %v", t.Name, i, err)
		}
	}
	return out, nil
}

// shots draws the k shots of doc from pool.
func (t *Task) shots(rng *PyRandom, pool []Doc, doc Doc, k int, same bool) ([]Doc, error) {
	if k == 0 {
		return nil, nil
	}
	n := k
	if same {
		n = k + 1
	}
	var idx []int
	switch t.Sampler {
	case FirstN:
		if n > len(pool) {
			return nil, fmt.Errorf("first_n: %d shots requested, %d few-shot docs", n, len(pool))
		}
		for i := range n {
			idx = append(idx, i)
		}
	default:
		var err error
		if idx, err = rng.Sample(len(pool), n); err != nil {
			return nil, err
		}
	}
	var shots []Doc
	for _, j := range idx {
		if !pool[j].equal(doc) && len(shots) < k {
			shots = append(shots, pool[j])
		}
	}
	return shots, nil
}

// context renders shots and the doc (without its answer).
func (t *Task) context(shots []Doc, doc Doc) string {
	var b strings.Builder
	if t.Description != "" {
		b.WriteString(t.Description + t.FewshotDelimiter)
	}
	for _, s := range shots {
		// The gold is an index (doc_to_target of a multiple-choice task),
		// so lm-eval writes the delimiters even for an empty choice.
		b.WriteString(s.Text + t.TargetDelimiter + s.Target() + t.FewshotDelimiter)
	}
	b.WriteString(doc.Text)
	return b.String()
}
