package lora

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Adapters are the LoRA adapters attached to one model.
type Adapters struct {
	Config     Config
	Linears    map[string]*Linear    // by module path
	Embeddings map[string]*Embedding // by module path
	names      []string              // module paths, sorted
}

// Apply attaches freshly initialised adapters (PEFT's default init: A
// kaiming-uniform U(±1/√in) and B = 0 for linears; A = 0 and B ~ N(0, 1)
// for embeddings, so the model is unchanged until trained) to every target
// of c, and freezes every base parameter of m. Draws are deterministic by
// seed. Dropout is not implemented, so c.Dropout must be 0.
func Apply(m lm.Model, c Config, seed uint64) (*Adapters, error) {
	if c.Dropout != 0 {
		return nil, fmt.Errorf("lora: dropout %g is not implemented (ssmlab's adapters are deterministic); use 0", c.Dropout)
	}
	return attach(m, c, rand.New(rand.NewPCG(seed, 0x6c6f7261)))
}

// attach builds the adapters, initialised from r (left zero when r is nil).
func attach(m lm.Model, c Config, r *rand.Rand) (*Adapters, error) {
	if c.R <= 0 {
		return nil, fmt.Errorf("lora: rank r = %d must be positive", c.R)
	}
	names, err := targets(m, c)
	if err != nil {
		return nil, err
	}
	a := &Adapters{Config: c, Linears: map[string]*Linear{}, Embeddings: map[string]*Embedding{}, names: names}
	lins, embs := m.Linears(), embeddings(m)
	for _, name := range names {
		if l, ok := lins[name]; ok {
			if l.Adapter != nil {
				return nil, fmt.Errorf("lora: %s already has an adapter", name)
			}
			ad := &Linear{Base: l, R: c.R, Scale: c.Scale(),
				A: nn.NewParam(peftName(name, "lora_A.weight"), false, c.R, l.In),
				B: nn.NewParam(peftName(name, "lora_B.weight"), false, l.Out, c.R)}
			if r != nil {
				bound := 1 / math.Sqrt(float64(l.In))
				for i := range ad.A.Value.Data {
					ad.A.Value.Data[i] = float32((2*r.Float64() - 1) * bound)
				}
			}
			l.Adapter, a.Linears[name] = ad, ad
			continue
		}
		e := embs[name]
		if e.Adapter != nil {
			return nil, fmt.Errorf("lora: %s already has an adapter", name)
		}
		ad := &Embedding{Base: e, R: c.R, Scale: c.Scale(),
			A: nn.NewParam(peftName(name, "lora_embedding_A"), false, c.R, e.V),
			B: nn.NewParam(peftName(name, "lora_embedding_B"), false, e.D, c.R)}
		if r != nil {
			for i := range ad.B.Value.Data {
				ad.B.Value.Data[i] = float32(r.NormFloat64())
			}
		}
		e.Adapter, a.Embeddings[name] = ad, ad
	}
	for _, p := range m.Params() {
		p.Freeze()
	}
	return a, nil
}

// peftName is the tensor name PEFT's adapter file uses (the model is
// wrapped as base_model.model; the adapter name "default" is left out).
func peftName(module, leaf string) string { return "base_model.model." + module + "." + leaf }

func embeddings(m lm.Model) map[string]*nn.Embedding {
	if e, ok := m.(lm.Embedder); ok {
		return e.Embeddings()
	}
	return nil
}

// Params returns the adapter parameters, module by module (A then B), in
// name order: what the optimizer trains and the adapter file holds.
func (a *Adapters) Params() []*nn.Param {
	var ps []*nn.Param
	for _, n := range a.names {
		if l, ok := a.Linears[n]; ok {
			ps = append(ps, l.AdapterParams()...)
		} else {
			ps = append(ps, a.Embeddings[n].AdapterParams()...)
		}
	}
	return ps
}

// Modules returns the adapted module paths, sorted.
func (a *Adapters) Modules() []string { return append([]string(nil), a.names...) }

// Merge adds every update into its base weight (W += scale·B·A) and turns
// the adapters off; Unmerge subtracts the same float32 update again. An
// embedding tied to an output layer changes that layer too, as in PEFT.
func (a *Adapters) Merge() { a.merge(true) }

// Unmerge undoes Merge.
func (a *Adapters) Unmerge() { a.merge(false) }

func (a *Adapters) merge(on bool) {
	for _, n := range a.names {
		w, delta, merged := a.target(n)
		if *merged == on {
			continue
		}
		if !on {
			tensor.Scale(delta, -1)
		}
		tensor.AddTo(w, delta)
		*merged = on
	}
}

func (a *Adapters) target(n string) (w, delta []float32, merged *bool) {
	if l, ok := a.Linears[n]; ok {
		return l.Base.W.Value.Data, l.delta(), &l.Merged
	}
	e := a.Embeddings[n]
	return e.Base.W.Value.Data, e.delta(), &e.Merged
}

// Detach removes the adapters from their modules (after Merge, this is
// PEFT's merge_and_unload: the model is a plain model again).
func (a *Adapters) Detach() {
	for _, l := range a.Linears {
		l.Base.Adapter = nil
	}
	for _, e := range a.Embeddings {
		e.Base.Adapter = nil
	}
}

// Model is a base model with adapters attached. Its Params lists the
// (frozen) base weights, then the adapters, so a trainer sees one list and
// allocates gradients and optimizer state for the adapters only.
type Model struct {
	lm.Model
	Adapters *Adapters
}

// Infer implements lm.Inferer: the adapters run inside the model's
// linears, so the adapted model's own pass without a training tape (or its
// Forward, lacking one) covers them.
func (m *Model) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	return lm.Infer(m.Model, pol, ids, B, T)
}

// Params implements lm.Model.
func (m *Model) Params() []*nn.Param {
	return append(append([]*nn.Param(nil), m.Model.Params()...), m.Adapters.Params()...)
}
