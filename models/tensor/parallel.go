package tensor

import (
	"runtime"
	"sync/atomic"

	"github.com/ssmlab/ssmlab/models/internal/workers"
)

// Parallel splits [0, n) into at most GOMAXPROCS contiguous chunks of at
// least grain items and runs fn on each concurrently, on the workers of
// models/internal/workers (which stay awake between passes). Each index
// is handled by exactly one call, so kernels that write disjoint outputs
// per index stay deterministic whatever the scheduling.
func Parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	shares := (n + grain - 1) / grain
	if shares > 1 { // only then: GOMAXPROCS takes the scheduler's lock
		shares = min(shares, runtime.GOMAXPROCS(0))
	}
	if shares <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + shares - 1) / shares
	workers.Run((n+chunk-1)/chunk, func(i int) { fn(i*chunk, min((i+1)*chunk, n)) })
}

// ParallelBlocks runs fn on the consecutive blocks [lo, hi) of at most
// block items that cover [0, n), the blocks split over workers as Parallel
// splits items. Several elementwise passes over one block then run while it
// is in cache, where each pass over the whole slice would stream it from
// memory again.
func ParallelBlocks(n, block int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	block = max(1, block)
	Parallel((n+block-1)/block, max(1, (16<<10)/block), func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			fn(b*block, min((b+1)*block, n))
		}
	})
}

// ParallelQueue runs worker on up to GOMAXPROCS goroutines (at most n, one
// without a new goroutine when that is all): each calls next for the items
// [0, n) it is to do, taking them in turn from a shared counter, until next
// returns false. Items of unequal cost balance themselves when listed
// largest first. Each item is taken exactly once, so workers that write
// disjoint outputs per item stay deterministic whatever the scheduling;
// a worker may keep scratch across its items.
func ParallelQueue(n int, worker func(next func() (int, bool))) {
	if n <= 0 {
		return
	}
	var counter atomic.Int64
	next := func() (int, bool) {
		i := int(counter.Add(1) - 1)
		return i, i < n
	}
	shares := 1
	if n > 1 {
		shares = min(n, runtime.GOMAXPROCS(0))
	}
	workers.Run(shares, func(int) { worker(next) })
}
