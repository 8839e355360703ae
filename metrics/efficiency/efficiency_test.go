package efficiency

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestCounterHighWaterMark(t *testing.T) {
	var c Counter
	for _, op := range []int64{400, 200, -400, 100} { // held: 400, 600, 200, 300
		if op > 0 {
			c.Alloc(op)
		} else {
			c.Free(-op)
		}
	}
	if c.Current() != 300 || c.Peak() != 600 {
		t.Errorf("current %d, peak %d; want 300, 600", c.Current(), c.Peak())
	}
	c.ResetPeak()
	if c.Peak() != 300 {
		t.Errorf("after reset: peak %d, want 300", c.Peak())
	}
}

func TestCounterConcurrent(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.Alloc(3)
				c.Free(3)
			}
		}()
	}
	wg.Wait()
	if c.Current() != 0 || c.Peak() < 3 || c.Peak() > 24 {
		t.Errorf("current %d, peak %d; want 0 and 3..24", c.Current(), c.Peak())
	}
}

// Three steps with a fake clock and fake runtime readings, the first one
// warm-up. Hand-computed report:
//
//	step  tokens  seconds  heap begin/end  allocs begin/end  tensor peak
//	0     100     1        (warm-up, ignored)
//	1     100     2        1000 / 1500     10000 / 12000      600
//	2     300     2         800 / 2400     12000 / 15000     1200
//
// tokens/s = 400/4 = 100; s/step = 2; peak heap 2400; heap bytes/token =
// max(1500/100, 2400/300) = 15; tensor bytes/token = max(600/100,
// 1200/300) = 6; alloc bytes/token = 5000/400 = 12.5.
func TestTrackerHandComputed(t *testing.T) {
	times := []float64{0, 1, 1, 3, 3, 5}
	mems := []Mem{{0, 0}, {0, 0}, {1000, 10000}, {1500, 12000}, {800, 12000}, {2400, 15000}}
	var ti, mi int
	tr := &Tracker{Warmup: 1,
		Clock: func() time.Time { ti++; return time.Unix(0, 0).Add(time.Duration(times[ti-1] * float64(time.Second))) },
		Mem:   func() Mem { mi++; return mems[mi-1] }}
	steps := []struct {
		tokens int
		tensor []int64 // allocations (+) and frees (-) during the step
	}{
		{100, nil},
		{100, []int64{400, 200, -400, 100}},
		{300, []int64{900, -1200}},
	}
	for _, s := range steps {
		tr.Begin()
		for _, b := range s.tensor {
			if b > 0 {
				tr.Tensors.Alloc(b)
			} else {
				tr.Tensors.Free(-b)
			}
		}
		tr.End(s.tokens)
	}
	want := Report{Steps: 2, Tokens: 400, Seconds: 4, TokensPerSec: 100, SecondsPerStep: 2, PeakHeapBytes: 2400,
		PeakTensorBytes: 1200, HeapBytesPerToken: 15, TensorBytesPerToken: 6, AllocBytesPerToken: 12.5}
	if got := tr.Report(); got != want {
		t.Errorf("report\n got %+v\nwant %+v", got, want)
	}
	if n := len(tr.Steps()); n != 3 {
		t.Errorf("%d steps recorded, want 3 (warm-up included)", n)
	}
}

func TestTrackerNoMeasuredSteps(t *testing.T) {
	tr := &Tracker{Warmup: 2}
	tr.Begin()
	tr.End(10)
	if r := tr.Report(); r.Steps != 0 || !math.IsNaN(r.TokensPerSec) || !math.IsNaN(r.HeapBytesPerToken) {
		t.Errorf("report %+v, want no steps and NaN rates", r)
	}
}

func TestTrackerMisuse(t *testing.T) {
	cases := map[string]func(*Tracker){
		"End without Begin": func(tr *Tracker) { tr.End(1) },
		"Begin twice":       func(tr *Tracker) { tr.Begin(); tr.Begin() },
		"zero tokens":       func(tr *Tracker) { tr.Begin(); tr.End(0) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(&Tracker{})
		}()
	}
}

// With the real runtime: an 8 MiB allocation inside a step shows in the
// allocation count exactly and in the sampled heap peak.
func TestTrackerRealRuntime(t *testing.T) {
	tr := &Tracker{SampleEvery: 100 * time.Microsecond, GCBeforeStep: true}
	const size = 8 << 20
	tr.Begin()
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i)
	}
	tr.End(1024)
	runtime.KeepAlive(buf)
	s := tr.Steps()[0]
	if s.Allocated < size || s.PeakHeap < size || !(s.Seconds > 0) {
		t.Errorf("step %+v: want >= %d bytes allocated and at peak, positive time", s, size)
	}
	if r := tr.Report(); r.AllocBytesPerToken < size/1024 || !(r.TokensPerSec > 0) {
		t.Errorf("report %+v", r)
	}
}
