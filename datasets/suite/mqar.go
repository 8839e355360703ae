package suite

import (
	"fmt"
	"math"
)

// MQARConfig is Zoology's multi-query associative recall
// (zoology/data/multiquery_ar.py; datasets/SUITE.md).
type MQARConfig struct {
	Vocab     int     `json:"vocab"`              // V: keys are drawn from [1, V/2), values from [V/2, V)
	SeqLen    int     `json:"seq_len"`            // L: tokens per example (even, < V)
	NumKV     int     `json:"num_kv"`             // key-value pairs per example (4*NumKV <= L)
	PowerA    float64 `json:"power_a"`            // query gaps ~ a*i^(a-1); Zoology uses 0.01
	RandomNon bool    `json:"random_non_queries"` // replace non-query zeros by random tokens (Zoology default)
}

// IgnoreLabel marks positions without a target (PyTorch's ignore_index).
const IgnoreLabel = -100

// MQARSet holds examples: Inputs[n] and Labels[n] have SeqLen tokens each;
// Labels is IgnoreLabel except at the positions of query keys, where it is
// the value bound to that key in the context (the next-token target).
type MQARSet struct {
	Inputs, Labels [][]int32
}

func (c MQARConfig) check() error {
	switch {
	case c.SeqLen%2 != 0:
		return fmt.Errorf("mqar: sequence length %d must be even", c.SeqLen)
	case c.Vocab <= c.SeqLen:
		return fmt.Errorf("mqar: vocab %d must exceed the sequence length %d", c.Vocab, c.SeqLen)
	case 4*c.NumKV > c.SeqLen || c.NumKV < 1:
		return fmt.Errorf("mqar: %d key-value pairs need 4*kv <= sequence length %d", c.NumKV, c.SeqLen)
	case c.NumKV > c.Vocab/2-1:
		return fmt.Errorf("mqar: %d keys do not fit the %d key tokens", c.NumKV, c.Vocab/2-1)
	}
	return nil
}

// MQAR generates n examples as Zoology's multiquery_ar does, with this
// package's RNG instead of numpy's (same distribution, different draws):
// the context k1 v1 ... kK vK, then the K keys again at distinct gap
// positions 2*g (g drawn without replacement with weight (g+1)^(a-1), a
// power law favouring short gaps) in a zero-filled query region, inputs
// and labels shifted by one for next-token prediction.
func MQAR(c MQARConfig, n int, r *RNG) (MQARSet, error) {
	if err := c.check(); err != nil {
		return MQARSet{}, err
	}
	ctx := 2 * c.NumKV
	space := (c.SeqLen - ctx) / 2
	w := make([]float64, space)
	for i := range w {
		w[i] = math.Pow(float64(i+1), c.PowerA-1)
	}
	set := MQARSet{Inputs: make([][]int32, n), Labels: make([][]int32, n)}
	half := c.Vocab / 2
	for e := range n {
		ex := make([]int32, c.SeqLen+1)
		lab := make([]int32, c.SeqLen+1)
		for i := range lab {
			lab[i] = IgnoreLabel
		}
		keys, vals := r.Perm(half - 1)[:c.NumKV], r.Perm(c.Vocab - half)[:c.NumKV]
		gaps := weightedSample(w, c.NumKV, r)
		for j := range c.NumKV {
			k, v := int32(1+keys[j]), int32(half+vals[j])
			ex[2*j], ex[2*j+1] = k, v
			ex[ctx+2*gaps[j]] = k
			lab[ctx+2*gaps[j]+1] = v
		}
		in, lb := ex[:c.SeqLen], lab[1:]
		if c.RandomNon {
			for i, t := range in {
				if t == 0 {
					in[i] = int32(r.IntN(c.Vocab))
				}
			}
		}
		set.Inputs[e], set.Labels[e] = in, lb
	}
	return set, nil
}

// weightedSample draws k distinct indices with probability proportional to
// w, renormalizing after each draw (numpy's choice without replacement).
func weightedSample(w []float64, k int, r *RNG) []int {
	w = append([]float64(nil), w...)
	out := make([]int, 0, k)
	for range k {
		var total float64
		for _, x := range w {
			total += x
		}
		u, pick := r.Float64()*total, -1
		for j, x := range w {
			if x == 0 {
				continue
			}
			pick = j // the last positive weight, if rounding runs u past the end
			if u < x {
				break
			}
			u -= x
		}
		out = append(out, pick)
		w[pick] = 0
	}
	return out
}

// MQARAccuracy is the fraction of labelled positions where pred equals the
// label (Zoology's metric); pred has the shape of labels.
func MQARAccuracy(pred, labels [][]int32) float64 {
	var right, n int
	for i, row := range labels {
		for t, l := range row {
			if l != IgnoreLabel {
				n++
				if pred[i][t] == l {
					right++
				}
			}
		}
	}
	return float64(right) / float64(max(n, 1))
}
