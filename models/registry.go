// Package models is the architecture registry: one entry per architecture
// (Mamba, Mamba-2, hybrid stacks, GPT-NeoX, Llama, OLMo, the tanh RNN
// control) that the HF loader, the experiment configs, the bench command,
// the figures and the CLI all consult. Each architecture's package registers its own entry in
// an init function; package models/all imports every one of them.
//
// Adding an architecture is its package, one Register call in it and one
// import line in models/all; docs/architectures.md walks through it.
package models

import (
	"fmt"
	"sort"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Spec holds the sizes of a model built from scratch: the union of every
// architecture's settings, as a [models.NAME] table of an experiment file
// spells them. Zero fields take the architecture's defaults (Arch.Fill).
// Dimension letters follow the model packages: V vocab, D width, L layers,
// N state, E inner, K conv, R dt rank, H heads.
type Spec struct {
	Vocab  int `toml:"vocab" json:"vocab,omitempty"`     // V; 0: the training data's vocabulary
	DModel int `toml:"d_model" json:"d_model,omitempty"` // D
	Layers int `toml:"layers" json:"layers,omitempty"`   // L

	// Mamba and Mamba-2.
	DState  int `toml:"d_state" json:"d_state,omitempty"`   // N; 0: 16 (mamba), 64 (mamba2)
	Expand  int `toml:"expand" json:"expand,omitempty"`     // E = Expand*D; 0: 2
	DConv   int `toml:"d_conv" json:"d_conv,omitempty"`     // K; 0: 4
	DtRank  int `toml:"dt_rank" json:"dt_rank,omitempty"`   // R; 0: ceil(D/16)
	HeadDim int `toml:"head_dim" json:"head_dim,omitempty"` // mamba2 head width P; 0: 64, or E if smaller

	// Transformers (gpt_neox, llama).
	Heads     int     `toml:"heads" json:"heads,omitempty"`           // H
	KVHeads   int     `toml:"kv_heads" json:"kv_heads,omitempty"`     // llama GQA; 0: Heads
	FFN       int     `toml:"ffn" json:"ffn,omitempty"`               // MLP width; 0: 4D (gpt_neox), 256-rounded 8D/3 (llama)
	RotaryPct float64 `toml:"rotary_pct" json:"rotary_pct,omitempty"` // gpt_neox rotary fraction; 0: 0.25
	MaxSeq    int     `toml:"max_seq" json:"max_seq,omitempty"`       // longest sequence; 0: 2048

	// RNN control: h_t = tanh(W h_{t-1} + U x_t), W scaled to this spectral radius.
	Radius float64 `toml:"radius" json:"radius,omitempty"` // 0: 1.0

	// Hybrid stacks: the mixer kinds (mamba, mamba2, attention) of the
	// layers, a pattern repeated over Layers (0: one pass of the pattern).
	Mixers []string `toml:"mixers" json:"mixers,omitempty"`
}

// Kind groups architectures the way the study compares them.
type Kind int

const (
	// SSM architectures have selective state-space layers whose Lyapunov
	// spectrum the study measures layer by layer.
	SSM Kind = iota
	// Attention architectures (Transformers) are measured as whole
	// sequence maps.
	Attention
	// Recurrent is the tanh RNN control, measured as one dynamical system.
	Recurrent
)

// FLOPCounter accumulates a model's FLOPs per token; Arch.FLOPs walks a
// model and reports its parts.
type FLOPCounter interface {
	// Linear adds one linear layer applied to every token.
	Linear(l *nn.Linear)
	// Mixing adds c FLOPs per token of sequence mixing (scan, convolution
	// or attention scores), forward.
	Mixing(c float64)
}

// Arch is one architecture's registry entry.
type Arch struct {
	// Name is the architecture's one name: a spec's arch, lm.Model.Arch()
	// and config.json's model_type.
	Name string
	// Aliases are older names still read (config.json files, results).
	Aliases []string
	// Label names the architecture in figures and tables ("Mamba-2").
	Label string
	// Order places the architecture in tables and legends (ascending).
	Order int
	// Kind says how the study treats it.
	Kind Kind

	// Fill replaces zero fields of s by the architecture's defaults.
	Fill func(s *Spec)
	// Check reports the first problem of a filled spec and the key (TOML
	// name) it concerns. Register runs the common checks first (d_model,
	// and layers unless NoLayers).
	Check func(s *Spec) (field string, err error)
	// NoLayers says the architecture has no layer count (the RNN).
	NoLayers bool
	// New builds a model from a filled spec, initialised from scratch and
	// deterministic in seed. s.Vocab is set.
	New func(s Spec, seed uint64) (lm.Model, error)

	// Load parses config.json (raw, read from path) and returns a model
	// with zero weights plus the rules for loading its checkpoints.
	Load func(path string, raw []byte) (lm.Model, hf.WeightRules, error)
	// Save writes a model built by this entry as an HF model directory.
	Save func(dir string, m lm.Model) error

	// Footprint estimates the memory of a filled spec's model (s.Vocab set)
	// from its sizes alone, building nothing; it validates the
	// architecture's config on the way (Footprint of its package).
	Footprint func(s Spec) (lm.Footprint, error)
	// HFFootprint does the same from a checkpoint's config.json (raw, read
	// from path).
	HFFootprint func(path string, raw []byte) (lm.Footprint, error)

	// FLOPs reports m's parts to c for sequences of T tokens.
	FLOPs func(m lm.Model, T int, c FLOPCounter)
	// LoRATargets are the linear layers (HF module names, last component)
	// that LoRA adapts by default ("lora_all").
	LoRATargets []string
	// Embedding returns m's token embedding (the Lyapunov study perturbs
	// its inputs).
	Embedding func(m lm.Model) *nn.Embedding
	// SSMLayers returns how many selective state-space layers m has, the
	// units the Lyapunov study measures one by one (nil: none).
	SSMLayers func(m lm.Model) int
	// Dynamics runs m in fp32 along tokens and returns its recurrences for
	// the Lyapunov study (models/lyapunov.go); nil for an architecture
	// without a fixed-size state, which Sequence describes instead.
	Dynamics func(m lm.Model, tokens []int) Dynamics
	// Spectra runs m under pol on ids (B sequences of T tokens) and
	// returns the exact Lyapunov spectrum of each of its SSM layers along
	// each sequence, in layer order (models/lyapunov.go): the spectra kind
	// and `ssmlab lyapunov` call it. nil for an architecture without
	// layers whose exact spectrum is known.
	Spectra func(m lm.Model, pol precision.Policy, ids []int, B, T int) []Spectrum
	// Sequence runs m in fp32 from input embeddings x (T, D) to logits
	// (T, V): how the study perturbs a model without a fixed-size state (a
	// Transformer). The logits belong to m until its next call.
	Sequence func(m lm.Model, x []float32, T int) []float32
	// Radius returns the spectral radius a recurrent control was built
	// with (the study records it and puts it in legends); nil for others.
	Radius func(m lm.Model) float64
}

var (
	archs   = map[string]*Arch{}
	aliases = map[string]string{}
)

// Register adds an architecture; its package calls it in init. It also
// registers the entry's Load and Save with models/hf. Register panics on
// an incomplete entry or a name used twice: both are programming errors.
func Register(a Arch) {
	if a.Name == "" || a.Label == "" || a.Fill == nil || a.Check == nil || a.New == nil ||
		a.Load == nil || a.Save == nil || a.Footprint == nil || a.HFFootprint == nil || a.FLOPs == nil || a.Embedding == nil || len(a.LoRATargets) == 0 {
		panic(fmt.Sprintf("models.Register: incomplete entry %q", a.Name))
	}
	for _, n := range append([]string{a.Name}, a.Aliases...) {
		if _, dup := archs[n]; dup {
			panic("models.Register: " + n + " registered twice")
		}
		if _, dup := aliases[n]; dup {
			panic("models.Register: " + n + " registered twice")
		}
	}
	e := a
	archs[a.Name] = &e
	hfa := hf.Arch{ModelType: a.Name, Build: a.Load, Save: a.Save, Footprint: a.HFFootprint}
	hf.Register(hfa)
	for _, al := range a.Aliases {
		aliases[al] = a.Name
		hfa.ModelType = al
		hf.Register(hfa)
	}
}

// Lookup returns the entry of a name or alias.
func Lookup(name string) (*Arch, bool) {
	if n, ok := aliases[name]; ok {
		name = n
	}
	a, ok := archs[name]
	return a, ok
}

// All returns every entry in Order (then by name).
func All() []*Arch {
	out := make([]*Arch, 0, len(archs))
	for _, a := range archs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Names returns every architecture's name in Order.
func Names() []string {
	var ns []string
	for _, a := range All() {
		ns = append(ns, a.Name)
	}
	return ns
}

// Get returns the entry of name, or an error listing the known names with
// a did-you-mean.
func Get(name string) (*Arch, error) {
	if a, ok := Lookup(name); ok {
		return a, nil
	}
	ns := Names()
	return nil, fmt.Errorf("unknown arch %q (want one of %v)%s", name, ns, suggest.Hint(name, ns))
}

// Label returns the figure label of an architecture name, or the name
// itself when it is not registered.
func Label(name string) string {
	if a, ok := Lookup(name); ok {
		return a.Label
	}
	return name
}

// CheckSpec fills a copy of s and reports its first problem with the key
// (TOML name) it concerns: the common checks, then the entry's Check.
func (a *Arch) CheckSpec(s Spec) (field string, err error) {
	a.Fill(&s)
	if s.DModel <= 0 {
		return "d_model", fmt.Errorf("d_model must be positive")
	}
	if !a.NoLayers && s.Layers <= 0 {
		return "layers", fmt.Errorf("layers must be positive")
	}
	return a.Check(&s)
}

// Build fills s with the defaults, checks it and returns the model,
// initialised from scratch and deterministic in seed.
func (a *Arch) Build(s Spec, seed uint64) (lm.Model, error) {
	a.Fill(&s)
	if field, err := a.CheckSpec(s); err != nil {
		return nil, fmt.Errorf("%s: %s: %v", a.Name, field, err)
	}
	if s.Vocab <= 0 {
		return nil, fmt.Errorf("%s: vocab must be positive", a.Name)
	}
	return a.New(s, seed)
}

// Sized is an architecture config that estimates its own memory and
// checks itself (every family's Config).
type Sized interface {
	Footprint() lm.Footprint
	Validate() error
}

// SpecFootprint is an Arch.Footprint from a family's spec-to-config map.
func SpecFootprint[C Sized](config func(Spec) C) func(Spec) (lm.Footprint, error) {
	return func(s Spec) (lm.Footprint, error) {
		c := config(s)
		return c.Footprint(), c.Validate()
	}
}

// ConfigFootprint is an Arch.HFFootprint from a family's config.json parser.
func ConfigFootprint[C Sized](parse func(path string, raw []byte) (C, error)) func(string, []byte) (lm.Footprint, error) {
	return func(path string, raw []byte) (lm.Footprint, error) {
		c, err := parse(path, raw)
		return c.Footprint(), err
	}
}

// FootprintOf fills s with the defaults, checks it and estimates the
// memory of its model without building it (see Arch.Footprint).
func (a *Arch) FootprintOf(s Spec) (lm.Footprint, error) {
	a.Fill(&s)
	if field, err := a.CheckSpec(s); err != nil {
		return lm.Footprint{}, fmt.Errorf("%s: %s: %v", a.Name, field, err)
	}
	return a.Footprint(s)
}

// New builds an architecture by name (see Arch.Build).
func New(name string, s Spec, seed uint64) (lm.Model, error) {
	a, err := Get(name)
	if err != nil {
		return nil, err
	}
	return a.Build(s, seed)
}

// Of returns the entry of a built model (by its Arch()).
func Of(m lm.Model) (*Arch, error) {
	a, ok := Lookup(m.Arch())
	if !ok {
		return nil, fmt.Errorf("models: %s is not a registered architecture", m.Arch())
	}
	return a, nil
}

// Order returns the Order of an architecture name, 0 when it is not
// registered.
func Order(name string) int {
	if a, ok := Lookup(name); ok {
		return a.Order
	}
	return 0
}

// IsKind reports whether the architecture name is registered with kind k.
func IsKind(name string, k Kind) bool {
	a, ok := Lookup(name)
	return ok && a.Kind == k
}

// Default sets *p to v when it is 0: the rule every Fill applies to the
// sizes a spec leaves out.
func Default(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}
