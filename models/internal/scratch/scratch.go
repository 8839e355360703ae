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
	mu         sync.Mutex
	free       []*T
	registered bool
}

// Get returns a value from the list, or a new zero T.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.registered {
		l.registered = true
		register(l)
	}
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

// release drops the values the list holds (those in use stay with their
// users and come back by Put as usual).
func (l *List[T]) release() {
	l.mu.Lock()
	clear(l.free)
	l.free = nil
	l.mu.Unlock()
}

var (
	regMu sync.Mutex
	lists []interface{ release() }
)

func register(l interface{ release() }) {
	regMu.Lock()
	lists = append(lists, l)
	regMu.Unlock()
}

// ReleaseAll empties every List that has been used, so that a collection
// can free what they held: between measurements of different models, whose
// buffers the lists would otherwise carry from one to the next.
func ReleaseAll() {
	regMu.Lock()
	ls := append([]interface{ release() }(nil), lists...)
	regMu.Unlock()
	for _, l := range ls {
		l.release()
	}
}

// Float32s returns *buf resized to n (reallocated only when too small).
func Float32s(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// Tile returns *buf resized to k copies of v, one after the other.
func Tile(buf *[]float32, v []float32, k int) []float32 {
	dst := Float32s(buf, k*len(v))
	for b := range k {
		copy(dst[b*len(v):], v)
	}
	return dst
}
