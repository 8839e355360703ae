package tensor

import (
	"sync/atomic"
	"time"
)

// The product clock adds up the time spent in matrix products while it
// runs (ssmlab bench reports it), so that a step's time splits into the
// products and everything else. Products the caller runs on its own
// thread inside Parallel (GemmSerial) are counted apart: several run at
// once, so their sum is CPU time, not wall time.
var productClock struct {
	on              atomic.Bool
	wall, serialCPU atomic.Int64 // nanoseconds
}

// StartProductClock zeroes the product clock and starts it.
func StartProductClock() {
	productClock.wall.Store(0)
	productClock.serialCPU.Store(0)
	productClock.on.Store(true)
}

// StopProductClock stops the product clock and returns the time spent in
// products called from outside Parallel (Gemm, MatMulT, GemmAs: wall time,
// each product using the backend's threads) and the summed time of the
// single-threaded products called from inside it (GemmSerial).
func StopProductClock() (wall, serialCPU time.Duration) {
	productClock.on.Store(false)
	return time.Duration(productClock.wall.Load()), time.Duration(productClock.serialCPU.Load())
}

// clockStart returns the time a product starts if the clock runs (else the
// zero time, which clockStop ignores).
func clockStart() time.Time {
	if !productClock.on.Load() {
		return time.Time{}
	}
	return time.Now()
}

func clockStop(t0 time.Time, serial bool) {
	if t0.IsZero() {
		return
	}
	d := int64(time.Since(t0))
	if serial {
		productClock.serialCPU.Add(d)
	} else {
		productClock.wall.Add(d)
	}
}
