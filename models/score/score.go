package score

import (
	"fmt"
	"github.com/ssmlab/ssmlab/models/lora"
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// Pair is one tokenized request: the context and the continuation tokens
// (lm-eval's context_enc and continuation_enc).
type Pair struct {
	Ctx, Cont []int
}

// Result is a request's summed continuation log-probability and whether
// every continuation token is the model's argmax.
type Result struct {
	LL     float64
	Greedy bool
}

// Options set how requests run.
type Options struct {
	Policy precision.Policy
	MaxLen int  // positions the model reads (lm-eval's max_length); longer inputs lose their left end
	Batch  int  // sequences per forward pass: whole requests, or choices continued together (shared)
	Share  bool // score a shared context once (Mamba, Mamba-2, GPT-NeoX, Llama)
}

// Score returns the result of every pair, in order. Pairs sharing a
// context should be adjacent (a document's choices): each such run is one
// shared-context group.
func Score(m lm.Model, o Options, pairs []Pair) ([]Result, error) {
	if o.MaxLen < 1 {
		return nil, fmt.Errorf("score: max length %d", o.MaxLen)
	}
	o.Batch = max(o.Batch, 1)
	V := m.VocabSize()
	for i, p := range pairs {
		if len(p.Ctx) == 0 || len(p.Cont) == 0 {
			return nil, fmt.Errorf("request %d: empty context or continuation", i)
		}
		if len(p.Cont) > o.MaxLen {
			return nil, fmt.Errorf("request %d: continuation of %d tokens does not fit %d positions", i, len(p.Cont), o.MaxLen)
		}
		for _, ids := range [][]int{p.Ctx, p.Cont} {
			if err := lm.CheckIDs(fmt.Sprintf("request %d", i), ids, 1, len(ids), V); err != nil {
				return nil, err
			}
		}
	}
	m = unwrap(m)
	out := make([]Result, len(pairs))
	var whole []int    // pairs run as full sequences
	var groups [][]int // runs of pairs sharing a context
	sh := sharerFor(m)
	for i := 0; i < len(pairs); {
		j := i + 1
		for j < len(pairs) && equal(pairs[j].Ctx, pairs[i].Ctx) {
			j++
		}
		fits := true
		for k := i; k < j; k++ {
			fits = fits && len(pairs[k].Ctx)+len(pairs[k].Cont)-1 <= o.MaxLen
		}
		if o.Share && sh != nil && j-i > 1 && fits {
			groups = append(groups, seq(i, j))
		} else {
			whole = append(whole, seq(i, j)...)
		}
		i = j
	}
	full(m, o, pairs, whole, out)
	if len(groups) > 0 {
		sh.run(o, pairs, groups, out)
	}
	return out, nil
}

func seq(i, j int) []int {
	s := make([]int, 0, j-i)
	for k := i; k < j; k++ {
		s = append(s, k)
	}
	return s
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// window is lm-eval's model input for a pair: (ctx+cont)[-(maxLen+1):][:-1];
// the logits at start, start+1, ... predict cont.
func window(p Pair, maxLen int) (input []int, start int) {
	all := append(append([]int(nil), p.Ctx...), p.Cont...)
	if len(all) > maxLen+1 {
		all = all[len(all)-(maxLen+1):]
	}
	input = all[:len(all)-1]
	return input, len(input) - len(p.Cont)
}

// add scores token tok against one row of logits.
func add(r *Result, row []float32, tok int) {
	r.LL += float64(row[tok]) - tensor.LogSumExp(row)
	best := 0
	for i, v := range row {
		if v > row[best] || math.IsNaN(float64(v)) && !math.IsNaN(float64(row[best])) {
			best = i
		}
	}
	if best != tok {
		r.Greedy = false
	}
}

// full runs the pairs idx whole, longest first, Batch at a time,
// right-padded to the longest of the batch (causal models: padding after a
// position cannot change its logits).
func full(m lm.Model, o Options, pairs []Pair, idx []int, out []Result) {
	type job struct {
		i, start int
		input    []int
	}
	jobs := make([]job, len(idx))
	for n, i := range idx {
		in, start := window(pairs[i], o.MaxLen)
		jobs[n] = job{i, start, in}
	}
	sort.SliceStable(jobs, func(a, b int) bool { return len(jobs[a].input) > len(jobs[b].input) })
	V := m.VocabSize()
	for lo := 0; lo < len(jobs); lo += o.Batch {
		js := jobs[lo:min(lo+o.Batch, len(jobs))]
		T := len(js[0].input)
		ids := make([]int, len(js)*T)
		for b, j := range js {
			copy(ids[b*T:], j.input)
		}
		// logits only where a continuation token is scored, when the model
		// can skip the others (the Transformers: the head is a third of
		// their forward pass at Pythia's vocabulary)
		var pos []int
		for b, j := range js {
			for k := range pairs[j.i].Cont {
				pos = append(pos, b*T+j.start+k)
			}
		}
		var logits []float32
		rowOf := pos // the logits row of each scored position, in order
		switch inf := m.(type) {
		case rowInferer:
			logits = inf.InferAt(o.Policy, ids, len(js), T, pos)
			rowOf = seq(0, len(pos))
		default:
			logits = lm.Infer(m, o.Policy, ids, len(js), T)
		}
		n := 0
		for _, j := range js {
			r := Result{Greedy: true}
			for _, tok := range pairs[j.i].Cont {
				p := rowOf[n]
				add(&r, logits[p*V:(p+1)*V], tok)
				n++
			}
			out[j.i] = r
		}
	}
}

// unwrap returns the base model of a LoRA-adapted one: the adapters run
// inside the base model's linears and embedding (models/lora), so its own
// passes (InferAt, the shared-context ones) score the adapted model.
func unwrap(m lm.Model) lm.Model {
	if a, ok := m.(*lora.Model); ok {
		return a.Model
	}
	return m
}

// rowInferer is a model whose pass without a training tape computes the logits of chosen positions only.
type rowInferer interface {
	InferAt(pol precision.Policy, ids []int, B, T int, pos []int) []float32
}

// sharer scores groups of pairs with one context each.
type sharer interface {
	run(o Options, pairs []Pair, groups [][]int, out []Result)
}

func sharerFor(m lm.Model) sharer {
	switch m := m.(type) {
	case *mamba.Model:
		return recurrent{m.VocabSize(), mambaRec{m}}
	case *mamba2.Model:
		return recurrent{m.VocabSize(), mamba2Rec{m}}
	case *transformer.GPTNeoX:
		return cached{m.VocabSize(), m.Prefill, m.Step}
	case *transformer.Llama:
		return cached{m.VocabSize(), m.Prefill, m.Step}
	}
	return nil
}
