package lmeval

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

// Argmax is numpy's argmax: the first index of the largest value, where a
// NaN counts as largest.
func Argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if math.IsNaN(x) {
			return i
		}
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Acc is lm-eval's acc: the choice of highest log-likelihood is the gold.
func Acc(d Doc, lls []float64) bool { return Argmax(lls) == d.Gold }

// AccNorm is lm-eval's acc_norm: log-likelihoods divided by the length of
// each choice in characters (code points, as Python's len).
func AccNorm(d Doc, lls []float64) bool {
	norm := make([]float64, len(lls))
	for i, ll := range lls {
		norm[i] = ll / float64(utf8.RuneCountInString(d.Choices[i]))
	}
	return Argmax(norm) == d.Gold
}

// Metrics are a task's scores at one k: means over docs, with lm-eval's
// standard error of the mean (sample standard deviation / sqrt(n)).
type Metrics struct {
	N                int
	Acc, AccStderr   float64
	AccNorm, NormErr float64
}

// Score computes the metrics from the log-likelihoods of the requests that
// Requests returned (lls[i] belongs to reqs[i]).
func (t *Task) Score(reqs []Request, lls []float64) (Metrics, error) {
	_, docs, err := t.Eval()
	if err != nil {
		return Metrics{}, err
	}
	if len(lls) != len(reqs) {
		return Metrics{}, fmt.Errorf("task %s: %d log-likelihoods for %d requests", t.Name, len(lls), len(reqs))
	}
	per := make([][]float64, len(docs))
	for i, r := range reqs {
		if r.Doc < 0 || r.Doc >= len(docs) || r.Choice != len(per[r.Doc]) {
			return Metrics{}, fmt.Errorf("task %s: request %d (doc %d, choice %d) out of order", t.Name, i, r.Doc, r.Choice)
		}
		per[r.Doc] = append(per[r.Doc], lls[i])
	}
	var acc, norm []float64
	for i, d := range docs {
		if len(per[i]) != len(d.Choices) {
			return Metrics{}, fmt.Errorf("task %s: doc %d has %d log-likelihoods for %d choices", t.Name, i, len(per[i]), len(d.Choices))
		}
		acc = append(acc, b2f(Acc(d, per[i])))
		norm = append(norm, b2f(AccNorm(d, per[i])))
	}
	m := Metrics{N: len(docs)}
	m.Acc, m.AccStderr = meanStderr(acc)
	m.AccNorm, m.NormErr = meanStderr(norm)
	return m, nil
}

// LogLikelihood scores one tokenized request: the model input, the index
// of the logits that predict cont[0], and the continuation tokens. It
// returns the summed log-probability of cont.
type LogLikelihood func(input []int, start int, cont []int) (float64, error)

// Evaluate runs the task at k shots: builds the requests, splits their
// tokens with EncodePair, truncates to maxLen positions with Window,
// scores each with ll, and returns the metrics.
func (t *Task) Evaluate(k int, tok tokenizer.Tokenizer, maxLen int, ll LogLikelihood) (Metrics, error) {
	reqs, err := t.Requests(k)
	if err != nil {
		return Metrics{}, err
	}
	lls := make([]float64, len(reqs))
	for i, r := range reqs {
		ctx, cont := EncodePair(tok, r.Context, r.Continuation)
		input, start, err := Window(ctx, cont, maxLen)
		if err == nil {
			lls[i], err = ll(input, start, cont)
		}
		if err != nil {
			return Metrics{}, fmt.Errorf("task %s: doc %d choice %d: %v", t.Name, r.Doc, r.Choice, err)
		}
	}
	return t.Score(reqs, lls)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func meanStderr(x []float64) (mean, stderr float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss/float64(len(x)-1)) / math.Sqrt(float64(len(x)))
}

// Combine aggregates the metrics of a group of tasks as lm-eval does for
// a group with weight_by_size: means weighted by the number of docs, and
// standard errors pooled (lm-eval's pooled_sample_stderr).
func Combine(ms ...Metrics) Metrics {
	var out Metrics
	var accSE, normSE []float64
	var sizes []int
	for _, m := range ms {
		out.N += m.N
		out.Acc += m.Acc * float64(m.N)
		out.AccNorm += m.AccNorm * float64(m.N)
		accSE, normSE, sizes = append(accSE, m.AccStderr), append(normSE, m.NormErr), append(sizes, m.N)
	}
	if out.N == 0 {
		return Metrics{Acc: math.NaN(), AccStderr: math.NaN(), AccNorm: math.NaN(), NormErr: math.NaN()}
	}
	out.Acc /= float64(out.N)
	out.AccNorm /= float64(out.N)
	out.AccStderr, out.NormErr = pooledStderr(accSE, sizes), pooledStderr(normSE, sizes)
	return out
}

// pooledStderr is lm-eval's pooled_sample_stderr:
// sqrt(sum((n_i - 1) * se_i^2 * n_i) / (sum(n_i) - groups) / sum(n_i)).
func pooledStderr(se []float64, n []int) float64 {
	var num float64
	total := 0
	for i := range se {
		num += float64(n[i]-1) * se[i] * se[i] * float64(n[i])
		total += n[i]
	}
	if total <= len(n) {
		return math.NaN()
	}
	return math.Sqrt(num / float64(total-len(n)) / float64(total))
}
