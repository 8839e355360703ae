package efficiency

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Tracker measures a sequence of steps (training or inference), each
// bracketed by Begin and End. The first Warmup steps are recorded but left out
// of the Report. It is not safe for concurrent use, except that model code may
// use Tensors from any goroutine.
type Tracker struct {
	Warmup       int           // steps excluded from the report (JIT-free Go still warms caches and pools)
	SampleEvery  time.Duration // heap sampling period inside a step; 0 samples at Begin and End only
	GCBeforeStep bool          // run a GC in Begin, before timing, so every step starts from live memory only
	Tensors      Counter       // explicit tensor accounting, fed by model code

	Clock func() time.Time // nil means time.Now; tests inject a fake
	Mem   func() Mem       // nil means ReadMem; tests inject a fake

	steps    []Step
	open     bool
	start    time.Time
	begin    Mem
	peakHeap atomic.Uint64
	stop     chan struct{}
	wg       sync.WaitGroup
}

// Step is one measured step.
type Step struct {
	Tokens     int
	Seconds    float64
	PeakHeap   uint64 // max HeapObjects sampled during the step
	PeakTensor int64  // Tensors' high-water mark during the step
	Allocated  uint64 // heap bytes allocated during the step
}

// Begin starts a step. It panics if a step is already open.
func (t *Tracker) Begin() {
	if t.open {
		panic("efficiency.Tracker.Begin: the previous step has not ended")
	}
	t.open = true
	if t.GCBeforeStep {
		runtime.GC()
	}
	t.Tensors.ResetPeak()
	t.begin = t.mem()
	t.peakHeap.Store(t.begin.HeapObjects)
	if t.SampleEvery > 0 {
		t.stop = make(chan struct{})
		t.wg.Add(1)
		go t.sample()
	}
	t.start = t.now()
}

// End closes the step, which processed tokens tokens (batch x sequence
// length). It panics if no step is open or tokens < 1.
func (t *Tracker) End(tokens int) {
	end := t.now()
	if !t.open || tokens < 1 {
		panic(fmt.Sprintf("efficiency.Tracker.End: open step %v, %d tokens", t.open, tokens))
	}
	if t.stop != nil {
		close(t.stop)
		t.wg.Wait()
		t.stop = nil
	}
	m := t.mem()
	raise(&t.peakHeap, m.HeapObjects)
	t.steps = append(t.steps, Step{Tokens: tokens, Seconds: end.Sub(t.start).Seconds(),
		PeakHeap: t.peakHeap.Load(), PeakTensor: t.Tensors.Peak(), Allocated: m.Allocated - t.begin.Allocated})
	t.open = false
}

// Steps returns every step recorded, warm-up included.
func (t *Tracker) Steps() []Step { return append([]Step(nil), t.steps...) }

func (t *Tracker) sample() {
	defer t.wg.Done()
	tick := time.NewTicker(t.SampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			raise(&t.peakHeap, t.mem().HeapObjects)
		}
	}
}

func raise(a *atomic.Uint64, v uint64) {
	for {
		p := a.Load()
		if v <= p || a.CompareAndSwap(p, v) {
			return
		}
	}
}

func (t *Tracker) now() time.Time {
	if t.Clock != nil {
		return t.Clock()
	}
	return time.Now()
}

func (t *Tracker) mem() Mem {
	if t.Mem != nil {
		return t.Mem()
	}
	return ReadMem()
}
