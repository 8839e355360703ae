package config

import (
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Train is one training run: the optimiser (AdamW), its schedule and how
// often the run checkpoints. [train] is the experiment's own (fine-tuning)
// run; [pretrain] adds the base models' precision to it.
type Train struct {
	Dataset         string  `toml:"dataset" json:"dataset,omitempty"` // a [data.NAME] entry
	Steps           int     `toml:"steps" json:"steps"`               // optimiser steps
	BatchSize       int     `toml:"batch_size" json:"batch_size"`     // sequences per step
	SeqLen          int     `toml:"seq_len" json:"seq_len"`           // tokens per sequence
	LearningRate    float64 `toml:"learning_rate" json:"learning_rate"`
	MinLRRatio      float64 `toml:"min_lr_ratio" json:"min_lr_ratio"` // final lr / peak lr (linear, cosine)
	WarmupSteps     int     `toml:"warmup_steps" json:"warmup_steps"` // linear warmup from 0
	Schedule        string  `toml:"schedule" json:"schedule"`         // constant, linear or cosine
	WeightDecay     float64 `toml:"weight_decay" json:"weight_decay"` // AdamW, not on norms and biases
	Beta1           float64 `toml:"beta1" json:"beta1"`
	Beta2           float64 `toml:"beta2" json:"beta2"`
	Eps             float64 `toml:"eps" json:"eps"`
	GradClip        float64 `toml:"grad_clip" json:"grad_clip"`               // global-norm clip; 0: none
	CheckpointEvery int     `toml:"checkpoint_every" json:"checkpoint_every"` // steps; 0: only at the end
	LogEvery        int     `toml:"log_every" json:"log_every"`               // steps between log.jsonl lines
}

// Schedules a Train may name.
var Schedules = []string{"constant", "linear", "cosine"}

// Pretrain is [pretrain]: Train plus the precision base models train in.
type Pretrain struct {
	Train
	Precision precision.Policy `toml:"precision" json:"precision"`
}

// Method is one [methods.NAME] table: what a fine-tuning run trains.
// No targets means full fine-tuning; otherwise LoRA adapters
// W + (alpha/rank) B A on the named linears, per architecture.
type Method struct {
	// Targets maps an arch to the linear weight names that get adapters,
	// e.g. { mamba = ["x_proj"], gpt_neox = ["query_key_value"] }.
	Targets map[string][]string `toml:"targets" json:"targets,omitempty"`
	Rank    int                 `toml:"rank" json:"rank,omitempty"`
	Alpha   float64             `toml:"alpha" json:"alpha,omitempty"`
	Dropout float64             `toml:"dropout" json:"dropout,omitempty"`
}

// LoRA reports whether the method trains adapters rather than every weight.
func (m Method) LoRA() bool { return len(m.Targets) > 0 }

// TargetsFor returns the linears a LoRA method adapts in arch: its own
// list for arch, else the architecture's default targets (its registry
// entry's LoRATargets), so a new architecture needs no entry here. Full
// fine-tuning has none.
func (m Method) TargetsFor(arch string) []string {
	if !m.LoRA() {
		return nil
	}
	if t, ok := m.Targets[arch]; ok {
		return t
	}
	if a, ok := models.Lookup(arch); ok {
		return a.LoRATargets
	}
	return nil
}

// Dataset is one [data.NAME] table: a built-in generator or local files.
type Dataset struct {
	// Builtin names a part of the built-in suite (datasets/SUITE.md):
	// "corpus" (pretraining documents), "mc" (the multiple-choice
	// evaluation tasks), "instruct" (the instruction mixture); empty when
	// Path is set.
	Builtin string `toml:"builtin" json:"builtin,omitempty"`
	// Profile is the suite's size profile (quick, default, full): it fixes
	// how many functions are held out and the sizes of every part. Entries
	// of one experiment must share seed and profile, so evaluation tasks use
	// exactly the functions the corpus left out. "": default.
	Profile string `toml:"profile" json:"profile,omitempty"`
	// Path is a .arrow file (stream or file format), a .parquet file or an
	// HF dataset directory; read locally, never downloaded.
	Path  string `toml:"path" json:"path,omitempty"`
	Split string `toml:"split" json:"split,omitempty"` // HF split; "": train
	// Source is the Hub dataset repository Path is downloaded from
	// ("tatsu-lab/alpaca"), optionally with a folder of it
	// ("allenai/ai2_arc/ARC-Easy"), for the download command of a missing
	// Path; not hashed.
	Source string `toml:"source" json:"-"`
	// Families selects task families of a built-in suite; empty: all.
	Families []string `toml:"families" json:"families,omitempty"`
	Seed     int64    `toml:"seed" json:"seed"` // generator seed (held fixed across trials)
	Size     int      `toml:"size" json:"size"` // examples (or documents) to generate or read; 0: all
	Vocab    int      `toml:"vocab" json:"vocab,omitempty"`
	// Tokenizer is a tokenizer.json; "": the built-in tokenizer.
	Tokenizer string `toml:"tokenizer" json:"tokenizer,omitempty"`
	// Tasks names lm-eval benchmarks (arc_easy, hellaswag, winogrande,
	// mmlu, mmlu_<subject>, ...; see ssmlab eval) for the multiple-choice
	// kinds, read from Path/<task> with lm-eval's prompts and samplers.
	Tasks []string `toml:"tasks" json:"tasks,omitempty"`
}

// Builtins are the parts of the built-in suite a [data] entry may name;
// SuiteProfiles its size profiles.
var (
	Builtins      = []string{"corpus", "mc", "instruct"}
	SuiteProfiles = []string{"quick", "default", "full"}
)

// Eval is [eval]: k-shot evaluation on named datasets.
type Eval struct {
	Tasks     []string `toml:"tasks" json:"tasks"`         // [data.NAME] entries
	Shots     []int    `toml:"shots" json:"shots"`         // k values of k-shot prompts
	Items     int      `toml:"items" json:"items"`         // items per task; 0: all
	Bootstrap int      `toml:"bootstrap" json:"bootstrap"` // resamples for confidence intervals
	BatchSize int      `toml:"batch_size" json:"batch_size"`
}
