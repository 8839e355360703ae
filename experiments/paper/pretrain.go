package paper

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/train"
)

// BaseSpec determines a pretrained base model completely: the artifact
// "pretrain" trains Model from scratch on Data under Train with Seed, and
// every experiment asking for an equal spec shares the result.
type BaseSpec struct {
	Name  string          `json:"name"` // the [models.NAME] it came from
	Model config.Model    `json:"model"`
	Data  config.Dataset  `json:"data"`
	Train config.Pretrain `json:"train"`
	Seed  int64           `json:"seed"`
}

// Label implements experiments.Labeler.
func (s BaseSpec) Label() string { return fmt.Sprintf("%s_seed=%d", s.Name, s.Seed) }

// baseSpec is the base a trial's model stands for: its [models.NAME] spec
// trained by [pretrain] on [pretrain].dataset.
func baseSpec(t *config.Trial) (BaseSpec, error) {
	if t.Model == nil {
		return BaseSpec{}, fmt.Errorf("the experiment names no model")
	}
	if t.Model.Path != "" { // a checkpoint is its own base: nothing to pretrain
		return BaseSpec{Name: t.ModelName, Model: *t.Model, Seed: t.Seed}, nil
	}
	d, ok := t.Data[t.Pretrain.Dataset]
	if !ok {
		return BaseSpec{}, fmt.Errorf("pretrain.dataset %q is not a [data] entry", t.Pretrain.Dataset)
	}
	if err := checkTrains("pretrain", t.Pretrain.Train); err != nil {
		return BaseSpec{}, err
	}
	return BaseSpec{Name: t.ModelName, Model: *t.Model, Data: d, Train: t.Pretrain, Seed: t.Seed}, nil
}

// checkTrains refuses a [pretrain] or [train] table that a trial trains
// with but that cannot train (the trainer would refuse it mid-run).
func checkTrains(section string, tc config.Train) error {
	switch {
	case tc.Steps < 1:
		return fmt.Errorf("%s.steps must be at least 1 to train (have %d)", section, tc.Steps)
	case !(tc.LearningRate > 0):
		return fmt.Errorf("%s.learning_rate must be positive to train (have %v)", section, tc.LearningRate)
	}
	return nil
}

// trainConfig turns a [train]/[pretrain] table into the trainer's settings.
func trainConfig(tc config.Train, pol precision.Policy, spec any) (train.Config, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return train.Config{}, err
	}
	return train.Config{
		Steps: tc.Steps, Accum: 1, Policy: pol, ClipNorm: tc.GradClip, CkptEvery: tc.CheckpointEvery, LogEvery: tc.LogEvery,
		Schedule: optim.Schedule{Kind: tc.Schedule, Peak: tc.LearningRate, Warmup: tc.WarmupSteps, Total: tc.Steps,
			MinRatio: tc.MinLRRatio},
		AdamW:      optim.AdamWConfig{Beta1: tc.Beta1, Beta2: tc.Beta2, Eps: tc.Eps, WeightDecay: tc.WeightDecay},
		ConfigJSON: string(store.KeyJSON(raw)), // log_every may change between a kill and the resume
	}, nil
}

// pretrainBuilder builds "pretrain" artifacts: model/ (an HF directory)
// and summary.json (summary.Base), with train/ holding the checkpoint and
// log of the run so a killed build resumes exactly.
type pretrainBuilder struct{}

func (pretrainBuilder) Version() string { return "1" }

func (pretrainBuilder) Build(ctx *experiments.Context) error {
	var spec BaseSpec
	if err := json.Unmarshal(ctx.Spec, &spec); err != nil {
		return fmt.Errorf("pretrain spec: %v", err)
	}
	V, err := baseVocab(spec)
	if err == nil {
		err = checkTrainBudget(spec.Name, &spec.Model, V, spec.Train.BatchSize, spec.Train.SeqLen)
	}
	if err != nil {
		return err
	}
	c, err := loadCorpus(spec.Data, spec.Train.SeqLen)
	if err != nil {
		return err
	}
	data, err := newRowData(c.Rows, spec.Train.BatchSize, spec.Train.SeqLen, c.Pad, uint64(spec.Seed)^0x9e3779b97f4a7c15)
	if err != nil {
		return fmt.Errorf("%s: %v", c.Name, err)
	}
	m, err := BuildModel(&spec.Model, c.Vocab, uint64(spec.Seed))
	if err != nil {
		return err
	}
	cfg, err := trainConfig(spec.Train.Train, spec.Train.Precision, spec)
	if err != nil {
		return err
	}
	val, err := validationData(spec.Data, spec.Train.BatchSize, spec.Train.SeqLen)
	if err != nil {
		return err
	}
	tr := &train.Trainer{Ctx: ctx, Model: m, Data: data, Val: val, Config: cfg, Dir: ctx.Path("train"), Progress: progressWriter{ctx}, Step: ctx.Progress.Step}
	s, err := tr.Run()
	if err != nil {
		return err
	}
	if err := hf.Save(ctx.Path("model"), m); err != nil {
		return err
	}
	tok, err := tokenizerOf(spec.Data)
	if err != nil {
		return err
	}
	if err := tokenizer.SaveHF(ctx.Path("model"), tok); err != nil {
		return err
	}
	return ctx.WriteSummary(summary.Base{Arch: m.Arch(), Params: ParamCount(m), Train: trainSummary(s),
		Corpus: c.Name, CorpusRows: len(c.Rows)})
}

func trainSummary(s train.Summary) summary.Train {
	return summary.Train{Steps: s.Steps, FinalLoss: summary.Float(s.FinalLoss), MeanLastLoss: summary.Float(s.MeanLastLoss), Skipped: s.Skipped,
		Tokens: s.Tokens, TokensPerS: s.TokensPerS, PeakBytes: s.PeakBytes, BytesPerToken: s.BytesPerToken, Diverged: s.Diverged}
}

// loadBase returns the trained base model of a spec, building it first if
// no run has.
func loadBase(ctx *experiments.Context, spec BaseSpec) (lm.Model, string, error) {
	if spec.Model.Path != "" { // a checkpoint given by path is its own base
		m, err := hf.Load(spec.Model.Path)
		return m, spec.Model.Path, err
	}
	dir, err := ctx.Artifact("pretrain", spec)
	if err != nil {
		return nil, "", err
	}
	m, err := hf.Load(dir + "/model")
	return m, dir, err
}

// progressWriter forwards the trainer's progress lines to the runner's.
type progressWriter struct{ ctx *experiments.Context }

func (w progressWriter) Write(b []byte) (int, error) {
	w.ctx.Progress.Printf("%s", strings.TrimSpace(string(b)))
	return len(b), nil
}

func init() {
	experiments.RegisterArtifact("pretrain", pretrainBuilder{})
}

// pretrainedBase returns the HF directory of the pretrained base of a
// trial's model (the "pretrain" artifact of its base spec, built if
// needed): how the Lyapunov kind studies trained models that the
// experiment builds itself.
func pretrainedBase(c *experiments.Context, t *config.Trial) (string, error) {
	b, err := baseSpec(t)
	if err != nil {
		return "", err
	}
	dir, err := c.Artifact("pretrain", b)
	return filepath.Join(dir, "model"), err
}
