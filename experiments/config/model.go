package config

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/internal/suggest"
)

// Architectures a model spec may name.
var Architectures = []string{"mamba", "mamba2", "gpt_neox", "llama", "olmo", "rnn"}

// Model is one [models.NAME] table: an architecture with sizes, trained from
// scratch, or an HF checkpoint directory. Zero sizes take the documented
// default for the architecture (see Fill). Dimension letters follow the
// models packages: V vocab, D width, L layers, N state, E inner, K conv,
// R dt rank, H heads.
type Model struct {
	// Arch is mamba, mamba2, gpt_neox, llama, olmo or rnn (the unstable control).
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

	Vocab  int `toml:"vocab" json:"vocab,omitempty"`     // V; 0: the training data's vocabulary
	DModel int `toml:"d_model" json:"d_model,omitempty"` // D
	Layers int `toml:"layers" json:"layers,omitempty"`   // L

	// Mamba and Mamba-2.
	DState  int `toml:"d_state" json:"d_state,omitempty"`   // N; 0: 16 (mamba), 64 (mamba2)
	Expand  int `toml:"expand" json:"expand,omitempty"`     // E = Expand*D; 0: 2
	DConv   int `toml:"d_conv" json:"d_conv,omitempty"`     // K; 0: 4
	DtRank  int `toml:"dt_rank" json:"dt_rank,omitempty"`   // R; 0: ceil(D/16)
	HeadDim int `toml:"head_dim" json:"head_dim,omitempty"` // mamba2 head width P; 0: 64, or E if smaller

	// Transformers (gpt_neox, llama, olmo).
	Heads     int     `toml:"heads" json:"heads,omitempty"`           // H
	KVHeads   int     `toml:"kv_heads" json:"kv_heads,omitempty"`     // llama/olmo GQA; 0: Heads
	FFN       int     `toml:"ffn" json:"ffn,omitempty"`               // MLP width; 0: 4D (gpt_neox), 256-rounded 8D/3 (llama, olmo)
	RotaryPct float64 `toml:"rotary_pct" json:"rotary_pct,omitempty"` // gpt_neox rotary fraction; 0: 0.25
	MaxSeq    int     `toml:"max_seq" json:"max_seq,omitempty"`       // longest sequence; 0: 2048

	// RNN control: h_t = tanh(W h_{t-1} + U x_t), W scaled to this spectral radius.
	Radius float64 `toml:"radius" json:"radius,omitempty"` // 0: 1.0
}

// Fill replaces zero sizes by the architecture's defaults. It is called on
// every model spec after loading; specs with a Path are left alone.
func (m *Model) Fill() {
	if m.Path != "" {
		return
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	switch m.Arch {
	case "mamba", "mamba2":
		def(&m.Expand, 2)
		def(&m.DConv, 4)
		def(&m.DtRank, (m.DModel+15)/16)
		if m.Arch == "mamba" {
			def(&m.DState, 16)
		} else {
			def(&m.DState, 64)
			def(&m.HeadDim, min(64, m.Expand*m.DModel))
		}
	case "gpt_neox", "llama", "olmo":
		def(&m.KVHeads, m.Heads)
		def(&m.MaxSeq, 2048)
		if m.Arch == "gpt_neox" {
			def(&m.FFN, 4*m.DModel)
			if m.RotaryPct == 0 {
				m.RotaryPct = 0.25
			}
		} else {
			def(&m.FFN, (8*m.DModel/3+255)/256*256)
		}
	case "rnn":
		if m.Radius == 0 {
			m.Radius = 1
		}
	}
}

// check reports the first problem of a filled spec; field names the bad key.
func (m *Model) check() (field string, err error) {
	if m.Path != "" {
		if m.DModel != 0 || m.Layers != 0 || m.Vocab != 0 || m.Heads != 0 || m.DState != 0 {
			return "path", fmt.Errorf("a model with path takes its sizes from config.json; remove the size keys")
		}
		if m.Arch != "" && !contains(Architectures, m.Arch) {
			return "arch", fmt.Errorf("unknown arch %q (want one of %v)%s", m.Arch, Architectures, suggest.Hint(m.Arch, Architectures))
		}
		return "", nil
	}
	if m.Arch == "" {
		return "arch", fmt.Errorf("model needs arch (one of %v) or path", Architectures)
	}
	if !contains(Architectures, m.Arch) {
		return "arch", fmt.Errorf("unknown arch %q (want one of %v)%s", m.Arch, Architectures, suggest.Hint(m.Arch, Architectures))
	}
	if m.DModel <= 0 {
		return "d_model", fmt.Errorf("d_model must be positive")
	}
	if m.Arch != "rnn" && m.Layers <= 0 {
		return "layers", fmt.Errorf("layers must be positive")
	}
	if (m.Arch == "gpt_neox" || m.Arch == "llama" || m.Arch == "olmo") && (m.Heads <= 0 || m.DModel%m.Heads != 0) {
		return "heads", fmt.Errorf("heads must be positive and divide d_model (%d)", m.DModel)
	}
	if (m.Arch == "llama" || m.Arch == "olmo") && m.Heads%m.KVHeads != 0 {
		return "kv_heads", fmt.Errorf("kv_heads must divide heads (%d)", m.Heads)
	}
	if m.Arch == "rnn" && !(m.Radius > 0 && m.Radius <= math.MaxFloat64) {
		return "radius", fmt.Errorf("radius must be a positive, finite number")
	}
	if !(m.RotaryPct >= 0 && m.RotaryPct <= 1) {
		return "rotary_pct", fmt.Errorf("rotary_pct = %v: must be in [0, 1]", m.RotaryPct)
	}
	return "", nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
