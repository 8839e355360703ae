package config

import (
	"github.com/BurntSushi/toml"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Settings are the keys an experiment file, a preset and a profile share.
// Each field is one TOML key; defaults.toml gives every default.
type Settings struct {
	// Name is the experiment's directory under results/runs/
	// (lower case letters, digits, '_' and '-').
	Name string `toml:"name"`
	// Kind names the registered Go runner that executes each trial
	// (`ssmlab help run` lists them).
	Kind string `toml:"kind"`
	// Description says what the experiment reproduces; it does not affect results.
	Description string `toml:"description"`

	// Seed of the trial: model initialisation, data order, sampling.
	// Trials that differ only in another axis share it, so they start alike.
	Seed int64 `toml:"seed"`
	// Model names the [models.NAME] entry a trial uses.
	Model string `toml:"model"`
	// Precision is the autocast policy under study (fp32, fp16, bf16,
	// fp16-pure, bf16-pure); the kind says where it applies (inference,
	// fine-tuning).
	Precision precision.Policy `toml:"precision"`
	// Method names the [methods.NAME] fine-tuning method (full, lora_all,
	// lora_xproj are predefined).
	Method string `toml:"method"`
	// Device is where trials run: cpu (the default) or cuda (an NVIDIA GPU
	// through models/cuda). Only the kinds that say so run on the GPU
	// (efficiency); a trial of another kind with device cuda, or any cuda
	// trial on a machine without a GPU, fails before anything is written.
	// A cuda trial's key ends in _device=cuda, so its results never share
	// a directory with the CPU's.
	Device string `toml:"device"`

	// Models are the named model specs the experiment may use.
	Models map[string]Model `toml:"models"`
	// Methods are the named fine-tuning methods.
	Methods map[string]Method `toml:"methods"`
	// Data are the named datasets that [pretrain], [train] and [eval] refer to.
	Data map[string]Dataset `toml:"data"`
	// Pretrain is how base models are trained from scratch. Bases are shared
	// artifacts: every experiment with the same model, [pretrain], data and
	// seed reuses one base.
	Pretrain Pretrain `toml:"pretrain"`
	// Train is the experiment's own training (fine-tuning) run.
	Train Train `toml:"train"`
	// Eval is how trained models are evaluated.
	Eval Eval `toml:"eval"`

	// Sweep maps an axis to its values; each point of the Cartesian product
	// is one trial. An axis is a key of this schema: "seed", "model",
	// "precision", "method", or a dotted path such as train.learning_rate or
	// params.radius (written as nested tables or dotted keys).
	Sweep map[string]any `toml:"sweep"`
}

// File is one TOML file as written: Settings plus the keys that only make
// sense before merging.
type File struct {
	// Include lists presets merged under this file, relative to the configs
	// directory; later ones override earlier ones, this file overrides all.
	Include []string `toml:"include"`
	Settings
	// Params are the kind's own settings, checked against the type the kind
	// declares (see the kind's documentation).
	Params toml.Primitive `toml:"params"`
	// Profile holds overrides applied when running with --profile NAME
	// (quick, default or full).
	Profile map[string]Overlay `toml:"profile"`
}

// Overlay is the body of a [profile.NAME] table: any Settings key and params.
type Overlay struct {
	Settings
	Params toml.Primitive `toml:"params"`
}

// Profiles are the profile names `--profile` accepts.
var Profiles = []string{"quick", "default", "full", "gpu"}

// OptInProfiles are the profiles that apply only to the experiment files
// that define them in their own [profile.NAME] table: the gpu profile runs
// the experiments that run on a GPU (at the paper's sizes) and no other.
// Loading a file under one it does not define marks the experiment
// ProfileMissing (reproduce skips it; run and validate say so).
var OptInProfiles = []string{"gpu"}
