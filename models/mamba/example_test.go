package mamba_test

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/precision"
)

// A from-scratch model: the parallel Forward and the recurrent Step agree,
// and every layer's exact Lyapunov exponents A·mean_t Δ are negative.
func Example() {
	m, err := mamba.New(mamba.DefaultConfig(100, 32, 2), 1)
	if err != nil {
		panic(err)
	}
	ids := []int{3, 14, 15, 92, 65}
	logits := m.Forward(precision.FP32Policy, ids, 1, len(ids))

	st := m.NewState(1)
	var last []float32
	for _, id := range ids {
		last = m.Step(precision.FP32Policy, []int{id}, st)
	}
	fmt.Println("step == forward:", math.Abs(float64(last[7]-logits[4*100+7])) < 1e-5)

	top := math.Inf(-1)
	for l, delta := range m.Deltas() { // (B, L, E) from the Forward above
		mx := m.Layers[l].Mixer
		A := mx.A() // (E, N), A = −exp(A_log)
		for e := 0; e < mx.E; e++ {
			var mean float64
			for t := range ids {
				mean += float64(delta[t*mx.E+e]) / float64(len(ids))
			}
			for n := 0; n < mx.N; n++ {
				top = math.Max(top, float64(A[e*mx.N+n])*mean)
			}
		}
	}
	fmt.Println("max Lyapunov exponent < 0:", top < 0)
	// Output:
	// step == forward: true
	// max Lyapunov exponent < 0: true
}
