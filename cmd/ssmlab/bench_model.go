package main

import (
	"fmt"

	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// buildBenchModel returns a freshly initialised model of the bench's size.
// Architectures follow tools/torch_anchor.py: HF defaults (Mamba: state 16,
// expand 2, conv 4, dt rank ⌈D/16⌉, tied head; GPT-NeoX: 4·D MLP, rotary
// 0.25, parallel residual, untied head), D/32 heads.
func buildBenchModel(o *benchOpts) (lm.Model, error) {
	heads := o.nh
	if heads == 0 {
		heads = max(1, o.d/32)
	}
	switch o.arch {
	case "mamba":
		c := mamba.DefaultConfig(o.vocab, o.d, o.layers)
		if o.dstate > 0 {
			c.N = o.dstate
		}
		if err := benchBudget(o, c.Footprint()); err != nil {
			return nil, err
		}
		return mamba.New(c, o.seed)
	case "mamba2":
		c := mamba2.DefaultConfig(o.vocab, o.d, o.layers)
		if o.dstate > 0 {
			c.N = o.dstate
		}
		if e := c.E(); e%c.HeadDim != 0 {
			c.HeadDim = e / max(1, heads)
		}
		if err := benchBudget(o, c.Footprint()); err != nil {
			return nil, err
		}
		m, err := mamba2.New(c)
		if err != nil {
			return nil, err
		}
		m.Init(o.seed)
		return m, nil
	case "gpt_neox":
		c := transformer.DefaultGPTNeoX(o.vocab, o.d, o.layers, heads)
		if err := benchBudget(o, c.Footprint()); err != nil {
			return nil, err
		}
		m, err := transformer.NewGPTNeoX(c)
		if err != nil {
			return nil, err
		}
		m.Init(o.seed)
		return m, nil
	case "llama", "olmo":
		c := transformer.DefaultLlama(o.vocab, o.d, o.layers, heads)
		if o.arch == "olmo" {
			c = transformer.DefaultOLMo(o.vocab, o.d, o.layers, heads)
		}
		if err := benchBudget(o, c.Footprint()); err != nil {
			return nil, err
		}
		m, err := transformer.NewLlama(c)
		if err != nil {
			return nil, err
		}
		m.Init(o.seed)
		return m, nil
	}
	return nil, fmt.Errorf("unknown architecture %q", o.arch)
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

// linearFlops adds one linear layer's cost per token.
func (f *benchFlops) linear(l *nn.Linear) {
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

// mixing adds sequence-mixing work c per token (forward); training triples it.
func (f *benchFlops) mixing(c float64) {
	f.forward += c
	f.train += 3 * c
}

// benchFLOPs counts the model's FLOPs per token.
func benchFLOPs(m lm.Model, o *benchOpts) (benchFlops, error) {
	var f benchFlops
	if lw, ok := m.(*lora.Model); ok {
		m = lw.Model
	}
	T := float64(o.seq)
	switch m := m.(type) {
	case *mamba.Model:
		for _, b := range m.Layers {
			x := b.Mixer
			for _, l := range []*nn.Linear{x.InProj, x.XProj, x.DtProj, x.OutProj} {
				f.linear(l)
			}
			f.mixing(2*float64(x.E*x.K) + 8*float64(x.E*x.N))
		}
		f.linear(m.Head)
	case *mamba2.Model:
		c := m.Config()
		for _, b := range m.Layers {
			f.linear(b.Mixer.InProj)
			f.linear(b.Mixer.OutProj)
			f.mixing(2*float64(c.ConvDim()*c.K) + 8*float64(c.E()*c.N))
		}
		f.linear(m.Head)
	case *transformer.GPTNeoX:
		for _, l := range m.Layers {
			for _, lin := range []*nn.Linear{l.QKV, l.Dense, l.MLP.Up, l.MLP.Down} {
				f.linear(lin)
			}
			f.mixing(2 * float64(m.Cfg.D) * (T + 1))
		}
		f.linear(m.Head)
	case *transformer.Llama:
		c := m.Cfg
		for _, l := range m.Layers {
			for _, lin := range []*nn.Linear{l.Q, l.K, l.V, l.O, l.MLP.Gate, l.MLP.Up, l.MLP.Down} {
				f.linear(lin)
			}
			f.mixing(2 * float64(c.Heads*c.HeadDim) * (T + 1))
		}
		f.linear(m.Head)
	default:
		return f, fmt.Errorf("bench: no FLOP count for %s", m.Arch())
	}
	return f, nil
}
