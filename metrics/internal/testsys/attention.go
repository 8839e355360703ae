package testsys

import (
	"math"
	"math/rand/v2"
)

// Attention is a one-head causal self-attention with a residual connection,
// y_t = u_t + Wo sum_{s<=t} softmax_s(q_t . k_s / sqrt(D)) v_s: a Transformer
// stand-in with no fixed-size state, for output-deviation tests.
type Attention struct {
	D              int
	Wq, Wk, Wv, Wo []float64 // (D, D)
}

// NewAttention draws the four projections with N(0, 1/D) entries.
func NewAttention(d int, seed uint64) *Attention {
	rng := rand.New(rand.NewPCG(seed, 4))
	sd := 1 / math.Sqrt(float64(d))
	return &Attention{D: d, Wq: gauss(rng, d*d, sd), Wk: gauss(rng, d*d, sd),
		Wv: gauss(rng, d*d, sd), Wo: gauss(rng, d*d, sd)}
}

func (a *Attention) InputDim() int  { return a.D }
func (a *Attention) OutputDim() int { return a.D }

// Outputs sets dst[t] for every position t of inputs.
func (a *Attention) Outputs(dst, inputs [][]float64) {
	T, d := len(inputs), a.D
	q, k, v := make([][]float64, T), make([][]float64, T), make([][]float64, T)
	for t, u := range inputs {
		q[t], k[t], v[t] = make([]float64, d), make([]float64, d), make([]float64, d)
		gemv(q[t], a.Wq, d, d, u, 0)
		gemv(k[t], a.Wk, d, d, u, 0)
		gemv(v[t], a.Wv, d, d, u, 0)
	}
	w, h := make([]float64, T), make([]float64, d)
	for t := range T {
		mx := math.Inf(-1)
		for s := 0; s <= t; s++ {
			w[s] = dot(q[t], k[s]) / math.Sqrt(float64(d))
			mx = math.Max(mx, w[s])
		}
		z := 0.0
		for s := 0; s <= t; s++ {
			w[s] = math.Exp(w[s] - mx)
			z += w[s]
		}
		clear(h)
		for s := 0; s <= t; s++ {
			for i := range h {
				h[i] += w[s] / z * v[s][i]
			}
		}
		gemv(dst[t], a.Wo, d, d, h, 0)
		for i := range dst[t] {
			dst[t][i] += inputs[t][i]
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
