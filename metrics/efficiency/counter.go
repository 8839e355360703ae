package efficiency

import "sync/atomic"

// Counter is explicit tensor accounting: model code adds the bytes of each
// tensor (activation, gradient, optimizer state) it allocates and subtracts
// what it releases, and the Counter keeps the high-water mark. It measures
// what the model holds, independent of the Go collector's timing, and can
// count memory the Go heap does not see. The zero value is ready; it is safe
// for concurrent use.
type Counter struct {
	cur, peak atomic.Int64
}

// Alloc records n bytes allocated.
func (c *Counter) Alloc(n int64) {
	v := c.cur.Add(n)
	for {
		p := c.peak.Load()
		if v <= p || c.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// Free records n bytes released.
func (c *Counter) Free(n int64) { c.cur.Add(-n) }

// Current returns the bytes held now.
func (c *Counter) Current() int64 { return c.cur.Load() }

// Peak returns the high-water mark since creation or the last ResetPeak.
func (c *Counter) Peak() int64 { return c.peak.Load() }

// ResetPeak sets the high-water mark to the bytes held now.
func (c *Counter) ResetPeak() { c.peak.Store(c.cur.Load()) }
