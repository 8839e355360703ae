// Package scratch keeps work buffers for reuse across training steps.
// Unlike a sync.Pool, whose contents a garbage collection may drop, a List
// keeps what it is given, so a steady training loop allocates nothing once
// every concurrent user has its buffer. It imports nothing from ssmlab.
package scratch

import "sync"

// List is a free list of *T. The zero value is ready; it is safe for
// concurrent use. It holds at most as many values as were ever in use at
// once.
type List[T any] struct {
	mu   sync.Mutex
	free []*T
}

// Get returns a value from the list, or a new zero T.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		x := l.free[n-1]
		l.free = l.free[:n-1]
		return x
	}
	return new(T)
}

// Put returns x to the list for a later Get.
func (l *List[T]) Put(x *T) {
	l.mu.Lock()
	l.free = append(l.free, x)
	l.mu.Unlock()
}

// Float32s returns *buf resized to n (reallocated only when too small).
func Float32s(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}
