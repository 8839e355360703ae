package efficiency

import "math"

// Report summarises the steps after the warm-up.
type Report struct {
	Steps   int     // steps measured
	Tokens  int     // tokens processed in them
	Seconds float64 // time spent in them

	TokensPerSec   float64 // Tokens / Seconds: total over total, not a mean of per-step rates
	SecondsPerStep float64

	PeakHeapBytes   uint64 // largest sampled heap high-water mark of any step
	PeakTensorBytes int64  // largest tensor-accounting high-water mark of any step

	// Maximum over steps of (the step's peak / its tokens): the paper's
	// "maximum memory per token" (peak memory / tokens per step).
	HeapBytesPerToken   float64
	TensorBytesPerToken float64
	// Heap bytes allocated per token, over all measured steps: exact and
	// independent of GC timing.
	AllocBytesPerToken float64
}

// Report computes the summary; with no step past the warm-up every rate is NaN.
func (t *Tracker) Report() Report {
	var r Report
	var alloc uint64
	for i, s := range t.steps {
		if i < t.Warmup {
			continue
		}
		r.Steps++
		r.Tokens += s.Tokens
		r.Seconds += s.Seconds
		alloc += s.Allocated
		r.PeakHeapBytes = max(r.PeakHeapBytes, s.PeakHeap)
		r.PeakTensorBytes = max(r.PeakTensorBytes, s.PeakTensor)
		r.HeapBytesPerToken = math.Max(r.HeapBytesPerToken, float64(s.PeakHeap)/float64(s.Tokens))
		r.TensorBytesPerToken = math.Max(r.TensorBytesPerToken, float64(s.PeakTensor)/float64(s.Tokens))
	}
	if r.Steps == 0 {
		nan := math.NaN()
		r.TokensPerSec, r.SecondsPerStep, r.HeapBytesPerToken, r.TensorBytesPerToken, r.AllocBytesPerToken = nan, nan, nan, nan, nan
		return r
	}
	r.TokensPerSec = float64(r.Tokens) / r.Seconds
	r.SecondsPerStep = r.Seconds / float64(r.Steps)
	r.AllocBytesPerToken = float64(alloc) / float64(r.Tokens)
	return r
}
