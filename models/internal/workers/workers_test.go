package workers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runAll checks that Run(n) calls every share exactly once and returns
// only after all of them (Errorf: it also runs on goroutines of the test).
func runAll(t *testing.T, n int) {
	t.Helper()
	calls := make([]atomic.Int32, n)
	var done atomic.Int32
	Run(n, func(i int) {
		if i%3 == 1 {
			time.Sleep(50 * time.Microsecond) // uneven shares
		}
		calls[i].Add(1)
		done.Add(1)
	})
	if got := done.Load(); got != int32(n) {
		t.Errorf("Run(%d) returned after %d shares", n, got)
		return
	}
	for i := range calls {
		if c := calls[i].Load(); c != 1 {
			t.Errorf("Run(%d): share %d ran %d times", n, i, c)
			return
		}
	}
}

func TestRunEveryShareOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 16, 5, 2, 16} { // growing and shrinking passes
		runAll(t, n)
	}
}

// TestRunAfterParking runs passes separated by more than Spin, so the
// workers have parked and must be woken.
func TestRunAfterParking(t *testing.T) {
	for range 20 {
		runAll(t, 4)
		time.Sleep(Spin() + 200*time.Microsecond)
	}
}

func TestRunNoSpin(t *testing.T) {
	defer SetSpin(SetSpin(0))
	for range 50 {
		runAll(t, 3)
	}
}

// TestRunNested runs a pass inside a share of another (the pool is busy:
// the inner one runs on goroutines of its own) and passes from several
// goroutines at once.
func TestRunNested(t *testing.T) {
	var inner atomic.Int32
	Run(4, func(int) {
		Run(3, func(int) { inner.Add(1) })
	})
	if got := inner.Load(); got != 12 {
		t.Fatalf("nested passes ran %d inner shares, want 12", got)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				runAll(t, 5)
			}
		}()
	}
	wg.Wait()
}

// TestRunPublishes checks that what the shares write is visible to the
// caller when Run returns (run it with -race).
func TestRunPublishes(t *testing.T) {
	out := make([]int, 64)
	for round := range 200 {
		Run(8, func(i int) {
			for j := i * 8; j < (i+1)*8; j++ {
				out[j] = round + j
			}
		})
		for j, v := range out {
			if v != round+j {
				t.Fatalf("round %d: out[%d] = %d", round, j, v)
			}
		}
	}
}

func TestParseSpin(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", defaultSpin, true},
		{"0", 0, true},
		{"1000", time.Millisecond, true},
		{"-5", defaultSpin, false},
		{"2ms", defaultSpin, false},
	} {
		if got, ok := ParseSpin(c.in); got != c.want || ok != c.ok {
			t.Errorf("ParseSpin(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestWorkerWaitsForItsShare checks that a worker passes over a pass
// without a share for it, parks, and takes the next pass that has one:
// workers that a smaller GOMAXPROCS leaves out must not spin on every pass.
func TestWorkerWaitsForItsShare(t *testing.T) {
	defer SetSpin(SetSpin(0)) // park at once
	q := &pool{}
	w := &worker{pool: q, wake: make(chan struct{}, 1)}
	narrow := &job{n: 3}
	q.job.Store(narrow)
	got := make(chan *job, 1)
	go func() { got <- w.next(5, nil) }()
	for start := time.Now(); !w.parked.Load(); {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the worker neither took the pass nor parked")
		}
		select {
		case j := <-got:
			t.Fatalf("worker 5 took a pass of %d shares", j.n)
		default:
			time.Sleep(100 * time.Microsecond)
		}
	}
	wide := &job{n: 8}
	q.job.Store(wide)
	if w.parked.CompareAndSwap(true, false) {
		w.wake <- struct{}{}
	}
	select {
	case j := <-got:
		if j != wide {
			t.Fatalf("worker 5 took a pass of %d shares, want the one of 8", j.n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the woken worker did not take the pass of 8 shares")
	}
}
