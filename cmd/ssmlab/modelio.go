package main

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// modelIO holds the flags shared by the commands that run a model on a
// file of token ids and write a safetensors file: --model, --input, --out
// and --precision.
type modelIO struct {
	model, input, out, prec *string
}

func modelIOFlags(f *flag.FlagSet, modelHelp, precHelp string) modelIO {
	return modelIO{
		model: f.String("model", "", modelHelp),
		input: f.String("input", "", "`IN.safetensors` with input_ids [B, T]"),
		out:   f.String("out", "", "`OUT.safetensors` to write"),
		prec:  f.String("precision", "fp32", precHelp),
	}
}

// check validates the flags of command name and returns the policy.
func (m modelIO) check(name string, args []string) (precision.Policy, error) {
	switch {
	case len(args) > 0:
		return precision.Policy{}, usagef("%s takes no positional arguments (got %q)", name, args[0])
	case *m.model == "" || *m.input == "" || *m.out == "":
		return precision.Policy{}, usagef("--model, --input and --out are required")
	}
	return m.policy(name, args)
}

// policy checks there are no positional arguments and reads --precision.
func (m modelIO) policy(name string, args []string) (precision.Policy, error) {
	if len(args) > 0 {
		return precision.Policy{}, usagef("%s takes no positional arguments (got %q)", name, args[0])
	}
	dt, err := precision.ParseDType(*m.prec)
	if err != nil {
		return precision.Policy{}, usagef("--precision: %v", err)
	}
	return precision.Policy{Compute: dt}, nil
}

// checkPassBudget refuses, before the model is loaded, a pass over B x T
// tokens that needs more memory than the machine has: the weights and the
// activations (with grads, also gradients and what backward keeps), from
// config.json alone.
func checkPassBudget(what, modelDir string, B, T int, grads bool) error {
	f, _, err := hf.Footprint(modelDir)
	if err != nil {
		return err
	}
	need := f.InferBytes(B, T)
	if grads {
		need = f.TrainBytes(B, T)
	}
	need += 16 * float64(B) * float64(T) // the ids and the labels
	return membudget.Check(need, fmt.Sprintf("%s of %s (%.3g parameters) on %d x %d tokens", what, modelDir, f.Params, B, T),
		"give fewer or shorter sequences")
}

// modelParams lists m's parameters and those of the adapters attached to
// its linears.
func modelParams(m lm.Model) []*nn.Param {
	ps := m.Params()
	for _, l := range m.Linears() {
		if l.Adapter != nil {
			ps = append(ps, l.Adapter.AdapterParams()...)
		}
	}
	return ps
}

// inferenceOnly releases the gradients of params (every parameter is
// allocated with one, as large as its weights): a command that never runs
// Backward then holds the weights and its activations only. It then
// collects once: the last collection (while loading) counted the released
// gradients as live, which set the garbage collector's next target at
// about twice weights plus gradients, so until the next collection the
// activations' garbage could pile up to three times the weights.
func inferenceOnly(params []*nn.Param) {
	for _, p := range params {
		p.Freeze()
	}
	runtime.GC()
}
