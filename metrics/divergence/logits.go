package divergence

import (
	"fmt"
	"math"
)

// LogitStats is the logit-level divergence over a set of positions.
type LogitStats struct {
	Positions  int
	MaxAbsDiff float64 // max |ref - other| over every logit; Inf or NaN if the other precision overflowed
	MeanKL     float64 // mean over positions of KL(softmax(ref) || softmax(other)), in nats
	MaxKL      float64 // largest per-position KL
	FlipRate   float64 // fraction of positions whose argmax differs
}

// Logits accumulates LogitStats over batches; the zero value is ready.
type Logits struct {
	positions, flips int
	maxAbs, sumKL    float64
	maxKL            float64
	lp, lq           []float64
}

// CompareLogits is LogitStats for one pair of logit arrays, each holding rows
// of vocab values (e.g. (B, T, V) flattened).
func CompareLogits(ref, other []float32, vocab int) LogitStats {
	var l Logits
	l.Add(ref, other, vocab)
	return l.Stats()
}

// Add accumulates every row of vocab values of ref and other. It panics if
// the sizes disagree (a programmer error).
func (l *Logits) Add(ref, other []float32, vocab int) {
	if vocab <= 0 || len(ref) != len(other) || len(ref)%vocab != 0 {
		panic(fmt.Sprintf("divergence.Logits.Add: %d and %d logits in rows of %d", len(ref), len(other), vocab))
	}
	l.lp, l.lq = grow(l.lp, vocab), grow(l.lq, vocab)
	for r := 0; r < len(ref); r += vocab {
		p, q := ref[r:r+vocab], other[r:r+vocab]
		for i := range p {
			l.maxAbs = nanMax(l.maxAbs, math.Abs(float64(p[i])-float64(q[i])))
		}
		logSoftmax(l.lp, p)
		logSoftmax(l.lq, q)
		kl := klDivergence(l.lp, l.lq)
		l.sumKL += kl
		l.maxKL = nanMax(l.maxKL, kl)
		if argmax(p) != argmax(q) {
			l.flips++
		}
		l.positions++
	}
}

// Stats returns the accumulated statistics (zeros when nothing was added).
func (l *Logits) Stats() LogitStats {
	s := LogitStats{Positions: l.positions, MaxAbsDiff: l.maxAbs, MaxKL: l.maxKL}
	if l.positions > 0 {
		s.MeanKL = l.sumKL / float64(l.positions)
		s.FlipRate = float64(l.flips) / float64(l.positions)
	}
	return s
}

// logSoftmax writes log softmax(x) in float64, subtracting the maximum first.
func logSoftmax(dst []float64, x []float32) {
	m := math.Inf(-1)
	for _, v := range x {
		m = nanMax(m, float64(v))
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(s)
	for i, v := range x {
		dst[i] = float64(v) - lse
	}
}

// klDivergence is sum_i p_i (log p_i - log q_i) from log-probabilities; terms
// with p_i = 0 contribute 0, and q_i = 0 where p_i > 0 gives +Inf.
func klDivergence(lp, lq []float64) float64 {
	kl := 0.0
	for i, a := range lp {
		if math.IsInf(a, -1) {
			continue
		}
		kl += math.Exp(a) * (a - lq[i])
	}
	return math.Max(kl, 0) // rounding can leave -1e-17 for equal rows
}

// argmax returns the first index of the largest value, ignoring NaN (-1 if
// every value is NaN): the first index matches torch.argmax on ties.
func argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if v == v && (best < 0 || v > x[best]) {
			best = i
		}
	}
	return best
}

// nanMax is max that propagates NaN.
func nanMax(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return math.Max(a, b)
}

func grow(b []float64, n int) []float64 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float64, n)
}
