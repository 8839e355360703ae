package tensor

import (
	"runtime"
	"sync"
)

// Parallel splits [0, n) into at most GOMAXPROCS contiguous chunks of at
// least grain items and runs fn on each concurrently. Each index is handled
// by exactly one call, so kernels that write disjoint outputs per index stay
// deterministic whatever the scheduling.
func Parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	workers := (n + grain - 1) / grain
	if workers > 1 { // only then: GOMAXPROCS takes the scheduler's lock
		workers = min(workers, runtime.GOMAXPROCS(0))
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
	}
	wg.Wait()
}
