package score

import (
	"sort"

	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// rec is what shared scoring needs of a recurrent model: run a context
// and keep its final state, gather rows of states into one batch, step a
// batch by one token.
type rec interface {
	prefill(pol precision.Policy, ctx []int) (last []float32, st any)
	gather(sts []any) any
	step(pol precision.Policy, st any, ids []int) []float32
}

// recurrent scores groups Batch continuations at a time: each group's
// context runs once (a matrix product over its tokens), its last logits
// score every choice's first token, and the choices' remaining tokens run
// as one batch of recurrent steps from copies of the context's state.
type recurrent struct {
	V int
	m rec
}

func (r recurrent) run(o Options, pairs []Pair, groups [][]int, out []Result) {
	// groups of similar continuation lengths step together: fewer pad steps
	longest := func(g []int) int {
		n := 0
		for _, i := range g {
			n = max(n, len(pairs[i].Cont))
		}
		return n
	}
	groups = append([][]int(nil), groups...)
	sort.SliceStable(groups, func(a, b int) bool { return longest(groups[a]) > longest(groups[b]) })
	for lo := 0; lo < len(groups); {
		var rows []int // pairs stepped together
		var sts []any
		hi := lo
		for hi < len(groups) && (len(rows) == 0 || len(rows)+len(groups[hi]) <= o.Batch) {
			last, st := r.m.prefill(o.Policy, pairs[groups[hi][0]].Ctx)
			for _, i := range groups[hi] {
				out[i] = Result{Greedy: true}
				add(&out[i], last, pairs[i].Cont[0])
				rows, sts = append(rows, i), append(sts, st)
			}
			hi++
		}
		n := 0
		for _, i := range rows {
			n = max(n, len(pairs[i].Cont)-1)
		}
		if n > 0 {
			st := r.m.gather(sts)
			ids := make([]int, len(rows))
			for t := 0; t < n; t++ {
				for k, i := range rows {
					ids[k] = 0 // finished rows step on a pad token nobody reads
					if t < len(pairs[i].Cont)-1 {
						ids[k] = pairs[i].Cont[t]
					}
				}
				logits := r.m.step(o.Policy, st, ids)
				for k, i := range rows {
					if t+1 < len(pairs[i].Cont) {
						add(&out[i], logits[k*r.V:(k+1)*r.V], pairs[i].Cont[t+1])
					}
				}
			}
		}
		lo = hi
	}
}

type mambaRec struct{ m *mamba.Model }

func (r mambaRec) prefill(pol precision.Policy, ctx []int) ([]float32, any) {
	return r.m.Prefill(pol, ctx, 1, len(ctx))
}

func (r mambaRec) gather(sts []any) any {
	src, idx := make([]*mamba.State, len(sts)), make([]int, len(sts))
	for i, s := range sts {
		src[i] = s.(*mamba.State)
	}
	return mamba.Rows(src, idx)
}

func (r mambaRec) step(pol precision.Policy, st any, ids []int) []float32 {
	return r.m.Step(pol, ids, st.(*mamba.State))
}

type mamba2Rec struct{ m *mamba2.Model }

func (r mamba2Rec) prefill(pol precision.Policy, ctx []int) ([]float32, any) {
	return r.m.Prefill(pol, ctx, 1, len(ctx))
}

func (r mamba2Rec) gather(sts []any) any {
	first := sts[0].(*mamba2.State)
	out := &mamba2.State{B: len(sts), Conv: make([][]float32, len(first.Conv)), SSM: make([][]float32, len(first.SSM))}
	for l := range first.Conv {
		for _, s := range sts {
			s := s.(*mamba2.State) // one sequence each
			out.Conv[l] = append(out.Conv[l], s.Conv[l]...)
			out.SSM[l] = append(out.SSM[l], s.SSM[l]...)
		}
	}
	return out
}

func (r mamba2Rec) step(pol precision.Policy, st any, ids []int) []float32 {
	return r.m.Step(pol, st.(*mamba2.State), ids)
}

// cached scores one group at a time: the context fills a key/value cache
// once (with the logits of its last position only), the cache is repeated
// for the choices, and their tokens (all but each one's last,
// right-padded) run as one (choices, n) step.
type cached struct {
	V       int
	prefill func(pol precision.Policy, ids []int, B, T int) ([]float32, *transformer.Cache)
	step    func(pol precision.Policy, c *transformer.Cache, ids []int) []float32
}

func (c cached) run(o Options, pairs []Pair, groups [][]int, out []Result) {
	V := c.V
	for _, g := range groups {
		ctx := pairs[g[0]].Ctx
		last, cache := c.prefill(o.Policy, ctx, 1, len(ctx))
		n := 0
		for _, i := range g {
			out[i] = Result{Greedy: true}
			add(&out[i], last, pairs[i].Cont[0])
			n = max(n, len(pairs[i].Cont)-1)
		}
		if n == 0 {
			continue
		}
		ids := make([]int, len(g)*n)
		for k, i := range g {
			copy(ids[k*n:], pairs[i].Cont[:len(pairs[i].Cont)-1])
		}
		logits := c.step(o.Policy, cache.Repeat(len(g)), ids)
		for k, i := range g {
			for t := 1; t < len(pairs[i].Cont); t++ {
				p := k*n + t - 1
				add(&out[i], logits[p*V:(p+1)*V], pairs[i].Cont[t])
			}
		}
	}
}
