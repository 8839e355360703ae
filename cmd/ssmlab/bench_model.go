package main

import (
	"fmt"
	"strings"

	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
)

// buildBenchModel returns a freshly initialised model of the bench's size,
// built by the architecture's registry entry exactly as an experiment
// config with these sizes would build it (other sizes take the config
// defaults), with D/32 heads unless --heads says otherwise.
func buildBenchModel(o *benchOpts) (lm.Model, error) {
	heads := o.nh
	if heads == 0 {
		heads = max(1, o.d/32)
	}
	s := models.Spec{Vocab: o.vocab, DModel: o.d, Layers: o.layers, DState: o.dstate, Heads: heads}
	if o.mixers != "" {
		s.Mixers = strings.Split(o.mixers, ",")
	}
	a, err := models.Get(o.arch)
	if err != nil {
		return nil, err
	}
	f, err := a.FootprintOf(s)
	if err != nil {
		return nil, err
	}
	if err := benchBudget(o, f); err != nil {
		return nil, err
	}
	return a.Build(s, o.seed)
}

// benchBudget refuses, before anything is allocated, a model beyond
// ssmlab's size limit or a step that needs more memory than the machine
// has (weights, AdamW state and activations for train; weights and
// activations for infer; the batch's token ids and labels either way).
func benchBudget(o *benchOpts, f lm.Footprint) error {
	if err := lm.CheckParams(o.arch, f.Params); err != nil {
		return err
	}
	tokens := float64(o.batch) * float64(o.seq)
	need := f.InferBytes(o.batch, o.seq)
	if o.mode == "train" {
		need = f.TrainBytes(o.batch, o.seq)
	}
	need += 16 * tokens
	what := fmt.Sprintf("a %s step of %s (%.3g parameters, --batch %d x --seq %d)", o.mode, o.arch, f.Params, o.batch, o.seq)
	return membudget.Check(need, what, "lower --batch or --seq, or use a smaller model")
}

// benchFlops are analytic FLOPs per token (the formulas are in bench's manual).
type benchFlops struct{ forward, train float64 }

// Linear adds one linear layer's cost per token.
func (f *benchFlops) Linear(l *nn.Linear) {
	c := 2 * float64(l.In) * float64(l.Out)
	f.forward += c
	f.train += 2 * c // forward and the input gradient
	if !l.W.Frozen {
		f.train += c
	}
	if a, ok := l.Adapter.(*lora.Linear); ok && !a.Merged {
		ca := 2 * float64(a.R) * float64(l.In+l.Out)
		f.forward += ca
		f.train += 3 * ca
	}
}

// Mixing adds sequence-mixing work c per token (forward); training triples it.
func (f *benchFlops) Mixing(c float64) {
	f.forward += c
	f.train += 3 * c
}

// benchFLOPs counts the model's FLOPs per token: the architecture's
// registry entry walks its parts.
func benchFLOPs(m lm.Model, o *benchOpts) (benchFlops, error) {
	var f benchFlops
	if lw, ok := m.(*lora.Model); ok {
		m = lw.Model
	}
	a, err := models.Of(m)
	if err != nil {
		return f, fmt.Errorf("bench: no FLOP count: %v", err)
	}
	a.FLOPs(m, o.seq, &f)
	return f, nil
}
