package lmeval

import "math"

// BootstrapStderr is lm-eval's bootstrap_stderr: iters/1000 chunks (one of
// iters if fewer), chunk i drawing with random.Random(i), each replicate
// f(random.choices(xs, k=len(xs))); the result is the sample standard
// deviation of the replicates. lm-eval uses it for perplexity with
// iters = 100000. (Python 3.12's sum() compensates rounding where this
// adds plainly; the difference is in the last bits.)
func BootstrapStderr(f func([]float64) float64, xs []float64, iters int) float64 {
	chunk := min(1000, iters)
	if chunk <= 0 || len(xs) == 0 {
		return math.NaN()
	}
	var reps []float64
	sample := make([]float64, len(xs))
	n := float64(len(xs))
	for i := 0; i < iters/chunk; i++ {
		rng := NewPyRandom(int64(i))
		for range chunk {
			for j := range sample {
				sample[j] = xs[int(math.Floor(rng.Float64()*n))]
			}
			reps = append(reps, f(sample))
		}
	}
	return sampleStddev(reps)
}

// Perplexity is lm-eval's perplexity aggregation: exp(−mean ll).
func Perplexity(lls []float64) float64 {
	var s float64
	for _, v := range lls {
		s += v
	}
	return math.Exp(-s / float64(len(lls)))
}

func sampleStddev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// MeanStderr is lm-eval's mean and mean_stderr (sample standard deviation
// over sqrt(n)); the standard error is NaN below two values.
func MeanStderr(x []float64) (mean, stderr float64) { return meanStderr(x) }
