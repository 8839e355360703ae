package suite

import (
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// Choices is the number of choices of every multiple-choice item.
const Choices = 4

// Arrow is what separates an input from its output in demonstrations and
// questions: "abc ->" is doc_to_text, " def" the continuation.
const Arrow = " ->"

// Item is one generated multiple-choice item: the query, the outputs of
// four held-out functions on it (the gold one is the task's function) and
// the IDs of those functions.
type Item struct {
	Query   string
	Choices []string
	Gold    int
	Funcs   []string // ID of the function behind each choice
}

// Doc is the item as lm-eval sees it: doc_to_text is Query + Arrow.
func (it Item) Doc() lmeval.Doc {
	return lmeval.Doc{Text: it.Query + Arrow, Choices: it.Choices, Gold: it.Gold}
}

// MCTask is the evaluation task of one held-out function: every doc of its
// train (few-shot) and test splits has that function's output as gold, so
// shots reveal the function; the distractors are other held-out functions
// of the family applied to the same query.
type MCTask struct {
	Family string
	Func   Func
	Train  []Item // the few-shot pool
	Test   []Item
}

// Task converts t into an lmeval.Task with lm-eval's defaults (shots from
// train, seed 1234, delimiters " " and "\n\n"), named family/function.
func (t *MCTask) Task() *lmeval.Task {
	docs := func(items []Item) []lmeval.Doc {
		out := make([]lmeval.Doc, len(items))
		for i, it := range items {
			out[i] = it.Doc()
		}
		return out
	}
	return lmeval.NewTask(t.Family+"/"+t.Func.ID, map[string][]lmeval.Doc{"train": docs(t.Train), "test": docs(t.Test)})
}

// buildTask makes the items of fn's task: train then test, queries fresh
// within the task where the query space allows (50 tries), distractors
// drawn from the other held-out functions with outputs distinct from the
// gold and from each other (when those give too few distinct outputs, as
// for a label family with few held-out functions, from further functions
// of the class that are not training functions), gold position uniform.
func buildTask(fam *Family, fn Func, heldout []Func, isTrain map[string]bool, nTrain, nTest int, r *RNG) (*MCTask, error) {
	t := &MCTask{Family: fam.Name, Func: fn}
	used := map[string]bool{}
	for split, n := range []int{nTrain, nTest} {
		for range n {
			it, err := buildItem(fam, fn, heldout, isTrain, used, r)
			if err != nil {
				return nil, fmt.Errorf("family %s, function %s: %v", fam.Name, fn.ID, err)
			}
			if split == 0 {
				t.Train = append(t.Train, it)
			} else {
				t.Test = append(t.Test, it)
			}
		}
	}
	return t, nil
}

func buildItem(fam *Family, fn Func, heldout []Func, isTrain, used map[string]bool, r *RNG) (Item, error) {
	for try := range 1000 {
		q := fam.Query(r)
		if used[q] && try < 50 {
			continue
		}
		gold := fn.Apply(q)
		outs := []string{gold}
		ids := []string{fn.ID}
		seen := map[string]bool{gold: true}
		add := func(g Func) {
			if o := g.Apply(q); g.ID != fn.ID && !isTrain[g.ID] && !seen[o] && len(outs) < Choices {
				seen[o] = true
				outs, ids = append(outs, o), append(ids, g.ID)
			}
		}
		for _, j := range r.Perm(len(heldout)) {
			add(heldout[j])
		}
		for n := 0; len(outs) < Choices && n < 200; n++ {
			add(fam.Draw(r))
		}
		if len(outs) < Choices {
			continue
		}
		used[q] = true
		pos := r.IntN(Choices)
		outs[0], outs[pos] = outs[pos], outs[0]
		ids[0], ids[pos] = ids[pos], ids[0]
		return Item{Query: q, Choices: outs, Gold: pos, Funcs: ids}, nil
	}
	return Item{}, fmt.Errorf("no query with %d distinct outputs among the held-out functions", Choices)
}
