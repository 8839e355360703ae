package perturb

import (
	"fmt"
	"slices"
)

// SequenceModel is a model with no fixed-size state (a Transformer): it maps a
// whole input sequence (T vectors of InputDim values, e.g. token embeddings)
// to one output per position (OutputDim values, e.g. logits or the last
// hidden state). dst has len(inputs) rows of OutputDim values. A causal model
// makes dst[t] depend on inputs[:t+1] only. Outputs must not retain or modify
// inputs.
type SequenceModel interface {
	InputDim() int
	OutputDim() int
	Outputs(dst, inputs [][]float64)
}

// OutputDeviation runs m on inputs and on inputs perturbed by p (InputEps at
// position At, or at every position from At with InputAll) and returns the
// output deviation at positions At+j, j = 0..T-At-1: the same indexing as
// Growth.Output, so Transformer and recurrent curves can share a plot. A
// sequence model has no state, so p.StateEps must be 0.
func OutputDeviation(m SequenceModel, inputs [][]float64, p Perturbation) (Series, error) {
	if err := p.check(len(inputs)); err != nil {
		return Series{}, err
	}
	if p.StateEps != 0 {
		return Series{}, fmt.Errorf("perturb: a sequence model has no state to perturb (StateEps = %g); use InputEps", p.StateEps)
	}
	for t, u := range inputs {
		if len(u) != m.InputDim() {
			return Series{}, fmt.Errorf("perturb: input %d has %d values, the model takes %d", t, len(u), m.InputDim())
		}
	}
	pert := make([][]float64, len(inputs))
	sg := p.signs()
	for t, u := range inputs {
		pert[t] = slices.Clone(u)
		if t == p.At || (p.InputAll && t > p.At) {
			sg.addTo(pert[t], u, p.InputEps)
		}
	}
	ref, out := outputs(m, len(inputs)), outputs(m, len(inputs))
	m.Outputs(ref, inputs)
	m.Outputs(out, pert)
	return Deviations(ref[p.At:], out[p.At:]), nil
}

func outputs(m SequenceModel, t int) [][]float64 {
	o := make([][]float64, t)
	for i := range o {
		o[i] = make([]float64, m.OutputDim())
	}
	return o
}
