package cuda

import (
	"fmt"
	"sync"
)

// Allocator is a caching device allocator, as PyTorch's: a freed block
// goes to a free list keyed by its rounded size and is handed out again
// for the next request of that size, so a training loop calls cuMemAlloc
// only in its first step. InUse counts the bytes of live blocks (rounded
// sizes) and Peak its high-water mark, the memory figure ssmlab reports
// (PyTorch's max_memory_allocated); Reserved counts what the driver holds
// for the cache.
type Allocator struct {
	mu                    sync.Mutex
	free                  map[uint64][]devPtr
	size                  map[devPtr]uint64
	InUse, Peak, Reserved uint64
}

// roundSize rounds a request up to 512 bytes under 1 MiB and to whole MiB
// above, so buffers of nearby sizes share free lists.
func roundSize(n uint64) uint64 {
	if n == 0 {
		n = 1
	}
	if n < 1<<20 {
		return (n + 511) &^ 511
	}
	return (n + 1<<20 - 1) &^ (1<<20 - 1)
}

// alloc returns a block of at least n bytes. When the driver is out of
// memory it releases the cached blocks and tries once more.
func (a *Allocator) alloc(n uint64) (devPtr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.size == nil {
		a.size = map[devPtr]uint64{}
	}
	r := roundSize(n)
	var p devPtr
	if l := a.free[r]; len(l) > 0 {
		p, a.free[r] = l[len(l)-1], l[:len(l)-1]
	} else {
		var err error
		if p, err = cuMemAlloc(r); err != nil {
			a.releaseLocked()
			if p, err = cuMemAlloc(r); err != nil {
				return 0, fmt.Errorf("cuda: allocating %.1f MiB with %.1f MiB in use: %v", float64(r)/(1<<20), float64(a.InUse)/(1<<20), err)
			}
		}
		a.Reserved += r
	}
	a.size[p] = r
	a.InUse += r
	a.Peak = max(a.Peak, a.InUse)
	return p, nil
}

// release returns p's block to its free list.
func (a *Allocator) release(p devPtr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.size[p]
	if !ok {
		panic(fmt.Sprintf("cuda: freeing %#x, which the allocator did not hand out", p))
	}
	delete(a.size, p)
	a.InUse -= r
	a.free[r] = append(a.free[r], p)
}

// releaseLocked gives every cached (free) block back to the driver.
func (a *Allocator) releaseLocked() {
	for r, l := range a.free {
		for _, p := range l {
			if cuMemFree(p) == nil {
				a.Reserved -= r
			}
		}
	}
	clear(a.free)
}

// EmptyCache gives the cached blocks back to the driver (torch.cuda.empty_cache).
func (a *Allocator) EmptyCache() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.releaseLocked()
}

// ResetPeak starts a new high-water mark at the bytes in use now.
func (a *Allocator) ResetPeak() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Peak = a.InUse
}

// Stats returns the bytes in use, their peak and the bytes reserved.
func (a *Allocator) Stats() (inUse, peak, reserved uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.InUse, a.Peak, a.Reserved
}
