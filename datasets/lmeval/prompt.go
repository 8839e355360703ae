package lmeval

import (
	"fmt"
	"strings"
)

// Contexts returns the k-shot context of every eval doc, in order, as
// lm-eval's fewshot_context renders it without a chat template:
//
//	Description +
//	k x (shot question + TargetDelimiter + shot answer + FewshotDelimiter) +
//	Text(doc)
//
// where a shot's question is its Text (a MultipleInput doc's gold context)
// and its answer its gold choice (a MultipleInput doc's Cont). A string
// answer that is empty is written without either delimiter, as lm-eval's
// build_qa_turn does; an index answer always has them. A MultipleInput
// doc's context stops before Text: each request appends its own choice.
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
// does. With ExcludeEval (or a FewshotSplit naming the eval split) the
// random sampler draws k+1 docs and drops any equal to the eval doc before
// keeping k (drawing k again from the pool without the eval doc's copies
// when several were drawn), and first_n skips docs equal to it; fewer than
// k docs besides the eval doc is an error, as in lm-eval.
func (t *Task) Shots(k int) ([][]Doc, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	evalName, docs, err := t.Eval()
	if err != nil {
		return nil, err
	}
	var pool []Doc
	exclude := false
	if k > 0 {
		var fsName string
		if fsName, pool, err = t.Fewshot(); err != nil {
			return nil, err
		}
		exclude = t.ExcludeEval || (t.FewshotSplit != "" && fsName == evalName)
	}
	rng := NewPyRandom(t.FewshotSeed)
	out := make([][]Doc, len(docs))
	for i, doc := range docs {
		if out[i], err = t.shots(rng, pool, doc, k, exclude); err != nil {
			return nil, fmt.Errorf("task %s: doc %d: %v", t.Name, i, err)
		}
	}
	return out, nil
}

// shots draws the k shots of doc from pool.
func (t *Task) shots(rng *PyRandom, pool []Doc, doc Doc, k int, exclude bool) ([]Doc, error) {
	if k == 0 {
		return nil, nil
	}
	var shots []Doc
	switch t.Sampler {
	case FirstN:
		for _, d := range pool {
			if !exclude || !d.equal(doc) {
				shots = append(shots, d)
			}
		}
		if k > len(shots) {
			return nil, fmt.Errorf("first_n: %d shots requested, %d few-shot docs", k, len(shots))
		}
		return shots[:k], nil
	default:
		n := k
		if exclude {
			n = k + 1
		}
		idx, err := rng.Sample(len(pool), n)
		if err != nil {
			return nil, err
		}
		for _, j := range idx {
			if (!exclude || !pool[j].equal(doc)) && len(shots) < k {
				shots = append(shots, pool[j])
			}
		}
		if len(shots) < k {
			// the draw held several copies of the eval doc: lm-eval (0.4.13,
			// where older versions stopped on an assertion) draws k again,
			// with the same generator, from the pool without any copy of it
			var rest []Doc
			for _, d := range pool {
				if !d.equal(doc) {
					rest = append(rest, d)
				}
			}
			if idx, err = rng.Sample(len(rest), k); err != nil {
				return nil, fmt.Errorf("%d shots requested, %d few-shot docs besides the eval doc: %v", k, len(rest), err)
			}
			shots = shots[:0]
			for _, j := range idx {
				shots = append(shots, rest[j])
			}
		}
		return shots, nil
	}
}

// context renders shots and the doc (without its answer).
func (t *Task) context(shots []Doc, doc Doc) string {
	var b strings.Builder
	b.WriteString(t.Description)
	for _, s := range shots {
		q, a := s.Text, s.Target()
		if t.Output == MultipleInput {
			q, a = s.Choices[s.Gold], s.Cont
		}
		b.WriteString(q)
		// MultipleChoice answers are indices (lm-eval writes the delimiters
		// even for an empty choice); the others are strings.
		if a != "" || t.Output == MultipleChoice {
			b.WriteString(t.TargetDelimiter + a + t.FewshotDelimiter)
		}
	}
	if t.Output != MultipleInput {
		b.WriteString(doc.Text)
	}
	return b.String()
}
