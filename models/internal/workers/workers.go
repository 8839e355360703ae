// Package workers runs the parallel passes of a forward or backward on a
// pool of goroutines that stay awake between passes. A forward of a real
// model is hundreds of short parallel passes (a matrix product, a norm, an
// activation) with little serial work between them; starting a goroutine
// per share of each pass, as a plain fork-join does, leaves the Go
// scheduler to wake a parked thread for each share, and a thread woken
// late holds up the whole pass. The pool's workers wait for the next pass
// spinning for a short while (Spin) before they park, as OpenMP runtimes
// do, so back-to-back passes start on every thread at once.
//
// Run is the entry point. One pass uses the pool at a time; a pass
// started while the pool is busy (a pass nested in another, or a second
// goroutine's) runs on goroutines of its own, as before, so nothing
// waits on itself. It imports nothing from ssmlab.
package workers

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// spin is how long an idle worker, or a caller waiting for the last share
// of its pass, stays awake looking for work before it parks (nanoseconds):
// 200 µs by default, SSMLAB_SPIN_US (microseconds, 0 to park at once)
// otherwise. Spinning costs CPU time only while passes follow each other
// closely.
var spin atomic.Int64

func init() {
	d, ok := ParseSpin(os.Getenv("SSMLAB_SPIN_US"))
	spin.Store(int64(d))
	SpinEnvOK = ok
}

// Spin returns how long idle workers spin before they park.
func Spin() time.Duration { return time.Duration(spin.Load()) }

// SetSpin sets it (tests and benchmarks) and returns the previous value.
func SetSpin(d time.Duration) time.Duration { return time.Duration(spin.Swap(int64(d))) }

// SpinEnvOK is false when SSMLAB_SPIN_US was set to something other than a
// non-negative number of microseconds (the default then applies).
var SpinEnvOK = true

// defaultSpin is Spin() when SSMLAB_SPIN_US is unset or not a number.
const defaultSpin = 200 * time.Microsecond

// ParseSpin reads SSMLAB_SPIN_US: "" is the default, else a non-negative
// number of microseconds; anything else is the default and false.
func ParseSpin(s string) (time.Duration, bool) {
	if s == "" {
		return defaultSpin, true
	}
	us, err := strconv.Atoi(s)
	if err != nil || us < 0 {
		return defaultSpin, false
	}
	return time.Duration(us) * time.Microsecond, true
}

// job is one pass: fn(0) runs on the caller, fn(1..n-1) on pool workers.
type job struct {
	fn      func(int)
	n       int
	pending atomic.Int32  // pool shares not yet finished
	waiting atomic.Bool   // the caller has parked on done
	done    chan struct{} // buffered 1: the last share's signal to a parked caller
}

type worker struct {
	pool   *pool         // the pool whose passes it runs
	wake   chan struct{} // buffered 1
	parked atomic.Bool
}

type pool struct {
	mu      sync.Mutex // held by the one pass using the pool
	workers []*worker
	job     atomic.Pointer[job]
}

var p pool

// Run calls fn(i) for every i in [0, n) concurrently, fn(0) on the calling
// goroutine, and returns when all have returned. Which goroutine runs a
// share does not change what the share computes.
func Run(n int, fn func(i int)) {
	if n <= 1 {
		if n == 1 {
			fn(0)
		}
		return
	}
	if !p.mu.TryLock() {
		spawn(n, fn)
		return
	}
	defer p.mu.Unlock()
	for len(p.workers) < n-1 {
		w := &worker{pool: &p, wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go w.loop(len(p.workers), p.job.Load())
	}
	j := &job{fn: fn, n: n, done: make(chan struct{}, 1)}
	j.pending.Store(int32(n - 1))
	p.job.Store(j)
	for _, w := range p.workers[:n-1] {
		if w.parked.CompareAndSwap(true, false) {
			select {
			case w.wake <- struct{}{}:
			default: // a token is already there: the worker will look
			}
		}
	}
	fn(0)
	j.wait()
}

// spawn is Run without the pool: a goroutine per share.
func spawn(n int, fn func(int)) {
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	fn(0)
	wg.Wait()
}

// wait returns once every pool share of j has finished: spinning for
// callerSpin times Spin(), then parked until the last share signals. The
// caller spins longer than an idle worker: it is the pass's critical path,
// and a parked thread may take hundreds of microseconds to wake (a virtual
// machine's idle vCPU is descheduled by its host).
func (j *job) wait() {
	if spinUntil(callerSpin, func() bool { return j.pending.Load() == 0 }) {
		return
	}
	j.waiting.Store(true)
	if j.pending.Load() == 0 {
		return
	}
	<-j.done
}

// finish records that one pool share of j returned.
func (j *job) finish() {
	if j.pending.Add(-1) == 0 && j.waiting.Load() {
		j.done <- struct{}{} // buffered, sent once: never blocks
	}
}

// loop is worker number id: it runs share id of every pass of more than
// id shares, from the pass after last on.
func (w *worker) loop(id int, last *job) {
	for {
		j := w.next(id, last)
		last = j
		j.fn(id)
		j.finish()
	}
}

// next waits for a pass after last that has a share for worker id:
// spinning for Spin(), then parked until Run wakes it. Passes of fewer
// shares go by without restarting the spin, so workers that a smaller
// GOMAXPROCS leaves out park and stay parked. A wake-up token may be
// stale (left from a pass the worker found while spinning); the job
// pointer decides. Run posts a pass only once every share of the last one
// has finished, so a worker cannot miss a pass it has a share of.
func (w *worker) next(id int, last *job) *job {
	var j *job
	ready := func() bool {
		j = w.pool.job.Load()
		return j != last && id < j.n
	}
	if spinUntil(1, ready) {
		return j
	}
	for {
		w.parked.Store(true)
		if ready() {
			w.parked.Store(false)
			return j
		}
		<-w.wake
		if ready() {
			return j
		}
	}
}

// pauses is the number of PAUSE instructions between two polls of a spin
// (about a microsecond in all on current x86 cores, less on older ones).
const pauses = 16

// callerSpin is how many times Spin() a caller waits spinning for the last
// share of its pass.
const callerSpin = 10

// spinUntil polls cond for up to times·Spin(), yielding the processor to
// other goroutines now and then, and reports whether cond came true.
func spinUntil(times int, cond func() bool) bool {
	if cond() {
		return true
	}
	d := time.Duration(times) * Spin()
	if d <= 0 {
		return false
	}
	start := time.Now()
	for i := 1; ; i++ {
		if cond() {
			return true
		}
		pause(pauses)
		if i%64 == 0 {
			if time.Since(start) > d {
				return cond()
			}
			runtime.Gosched()
		}
	}
}
