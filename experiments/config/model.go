package config

import (
	"fmt"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models"
	_ "github.com/ssmlab/ssmlab/models/all" // every architecture a spec may name
)

// Architectures lists the names a model spec may give as arch: every
// architecture in the models registry.
func Architectures() []string { return models.Names() }

// Model is one [models.NAME] table: an architecture with sizes, trained from
// scratch, or an HF checkpoint directory. Zero sizes take the documented
// default for the architecture (see Fill). Dimension letters follow the
// models packages: V vocab, D width, L layers, N state, E inner, K conv,
// R dt rank, H heads.
type Model struct {
	// Arch names a registered architecture (Architectures: mamba, mamba2,
	// gpt_neox, llama, rnn, ...).
	// With Path it may be left out and is read from config.json.
	Arch string `toml:"arch" json:"arch,omitempty"`
	// Path is an HF model directory (config.json + model.safetensors or
	// pytorch_model.bin). When set, the sizes come from its config.json and
	// must not be given.
	Path string `toml:"path" json:"path,omitempty"`
	// Source is the Hugging Face Hub repository Path is downloaded from
	// ("state-spaces/mamba-130m-hf"): validate and run print the download
	// command for a missing Path. It does not change the model (not hashed).
	Source string `toml:"source" json:"-"`
	// Family and Size label the model in figures (default: Arch and the
	// parameter count); they do not change the model.
	Family string `toml:"family" json:"family,omitempty"`
	Size   string `toml:"size" json:"size,omitempty"`

	// The sizes, every architecture's in one union (models.Spec documents
	// each key and its default).
	models.Spec
}

// Fill replaces zero sizes by the architecture's defaults (its registry
// entry's Fill). It is called on every model spec after loading; specs
// with a Path, or naming an unknown arch (check reports it), are left alone.
func (m *Model) Fill() {
	if m.Path != "" {
		return
	}
	if a, ok := models.Lookup(m.Arch); ok {
		a.Fill(&m.Spec)
	}
}

// check reports the first problem of a filled spec; field names the bad key.
func (m *Model) check() (field string, err error) {
	archs := Architectures()
	if m.Path != "" {
		if m.DModel != 0 || m.Layers != 0 || m.Vocab != 0 || m.Heads != 0 || m.DState != 0 {
			return "path", fmt.Errorf("a model with path takes its sizes from config.json; remove the size keys")
		}
		if _, ok := models.Lookup(m.Arch); m.Arch != "" && !ok {
			return "arch", fmt.Errorf("unknown arch %q (want one of %v)%s", m.Arch, archs, suggest.Hint(m.Arch, archs))
		}
		return "", nil
	}
	if m.Arch == "" {
		return "arch", fmt.Errorf("model needs arch (one of %v) or path", archs)
	}
	a, ok := models.Lookup(m.Arch)
	if !ok {
		return "arch", fmt.Errorf("unknown arch %q (want one of %v)%s", m.Arch, archs, suggest.Hint(m.Arch, archs))
	}
	return a.CheckSpec(m.Spec)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
