package score

import (
	"sort"

	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// rec is what shared scoring needs of a recurrent model: run a context
// and keep its final state, gather rows of states into one batch, and run
// a batch of continuations from such a gathered state.
type rec interface {
	prefill(pol precision.Policy, ctx []int) (last []float32, st any)
	gather(sts []any) any
	// cont runs R rows of n tokens (ids, right-padded) from st and returns
	// the logits of the positions pos (indices k·n+t), one row each in
	// pos's order.
	cont(pol precision.Policy, st any, ids []int, R, n int, pos []int) []float32
}

// recurrent scores groups Batch continuations at a time: each group's
// context runs once (a matrix product over its tokens), its last logits
// score every choice's first token, and the choices' remaining tokens run
// as one batch (right-padded: padding after a position cannot change its
// logits) from copies of the context's state.
type recurrent struct {
	V int
	m rec
}

func (r recurrent) run(o Options, pairs []Pair, groups [][]int, out []Result) {
	// groups of similar continuation lengths run together: less padding
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
		var rows []int // pairs continued together
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
		lo = hi
		n := 0
		for _, i := range rows {
			n = max(n, len(pairs[i].Cont)-1)
		}
		if n == 0 {
			continue
		}
		// row k reads its continuation but the last token (what predicts
		// tokens 1..), padded with token 0 that nobody scores
		ids := make([]int, len(rows)*n)
		var pos []int
		for k, i := range rows {
			c := pairs[i].Cont
			copy(ids[k*n:], c[:len(c)-1])
			for t := 0; t+1 < len(c); t++ {
				pos = append(pos, k*n+t)
			}
		}
		logits := r.m.cont(o.Policy, r.m.gather(sts), ids, len(rows), n, pos)
		p := 0
		for _, i := range rows {
			for _, tok := range pairs[i].Cont[1:] {
				add(&out[i], logits[p*r.V:(p+1)*r.V], tok)
				p++
			}
		}
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

// cont runs the continuations as one matrix-product pass (mamba.Continue).
func (r mambaRec) cont(pol precision.Policy, st any, ids []int, R, n int, pos []int) []float32 {
	return r.m.Continue(pol, ids, R, n, st.(*mamba.State), pos)
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

// cont runs the continuations as one pass (mamba2.Continue).
func (r mamba2Rec) cont(pol precision.Policy, st any, ids []int, R, n int, pos []int) []float32 {
	return r.m.Continue(pol, ids, R, n, st.(*mamba2.State), pos)
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
