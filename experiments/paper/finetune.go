package paper

import (
	"encoding/json"
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/train"
)

// FinetuneSpec determines an instruction-tuned model completely: Base
// fine-tuned on Data under Train, by Method (full, or LoRA on the named
// linears), in Precision (the autocast policy of mixed-precision
// fine-tuning, MPFT), with Seed.
type FinetuneSpec struct {
	MethodName string           `json:"method_name"`
	Base       BaseSpec         `json:"base"`
	Method     config.Method    `json:"method"`
	Precision  precision.Policy `json:"precision"`
	Train      config.Train     `json:"train"`
	Data       config.Dataset   `json:"data"`
	Seed       int64            `json:"seed"`
	// HeldOutEvery > 0 holds every HeldOutEvery-th instruction example out
	// of training and measures the trained model's loss on them.
	HeldOutEvery int `json:"held_out_every,omitempty"`
}

// Label implements experiments.Labeler.
func (s FinetuneSpec) Label() string {
	return fmt.Sprintf("%s_%s_%s_seed=%d", s.Base.Name, s.MethodName, s.Precision, s.Seed)
}

// finetuneSpec is the fine-tuning a trial asks for: its base, its method and
// precision, [train] on [train].dataset.
func finetuneSpec(t *config.Trial) (FinetuneSpec, error) {
	b, err := baseSpec(t)
	if err != nil {
		return FinetuneSpec{}, err
	}
	d, ok := t.Data[t.Train.Dataset]
	if !ok {
		return FinetuneSpec{}, fmt.Errorf("train.dataset %q is not a [data] entry", t.Train.Dataset)
	}
	if err := checkTrains("train", t.Train); err != nil {
		return FinetuneSpec{}, err
	}
	return FinetuneSpec{MethodName: t.MethodName, Base: b, Method: t.Method, Precision: t.Precision,
		Train: t.Train, Data: d, Seed: t.Seed}, nil
}

// attachMethod prepares base for fine-tuning by method: LoRA adapters on
// the method's targets for base's architecture (base frozen), or nothing
// for full fine-tuning. It returns the model to train and the adapters.
func attachMethod(base lm.Model, m config.Method, seed int64) (lm.Model, *lora.Adapters, error) {
	if !m.LoRA() {
		return base, nil, nil
	}
	targets := m.TargetsFor(base.Arch())
	if len(targets) == 0 {
		return nil, nil, fmt.Errorf("the LoRA method names no targets for arch %s", base.Arch())
	}
	a, err := lora.Apply(base, lora.Config{R: m.Rank, Alpha: m.Alpha, Dropout: m.Dropout, TargetModules: targets}, uint64(seed))
	if err != nil {
		return nil, nil, err
	}
	return &lora.Model{Model: base, Adapters: a}, a, nil
}

type finetuneBuilder struct{}

func (finetuneBuilder) Version() string { return "1" }

// Build trains and writes model/ (an HF directory with any adapters merged
// in), adapter/ for LoRA (a PEFT directory), train/ and summary.json.
func (finetuneBuilder) Build(ctx *experiments.Context) error {
	var spec FinetuneSpec
	if err := json.Unmarshal(ctx.Spec, &spec); err != nil {
		return fmt.Errorf("finetune spec: %v", err)
	}
	V, err := baseVocab(spec.Base)
	if err == nil {
		err = checkTrainBudget(spec.Base.Name, &spec.Base.Model, V, spec.Train.BatchSize, spec.Train.SeqLen)
	}
	if err != nil {
		return err
	}
	base, _, err := loadBase(ctx, spec.Base)
	if err != nil {
		return err
	}
	ex, tok, err := loadInstructions(spec.Data)
	if err != nil {
		return err
	}
	ex, held := splitHeldOut(ex, spec.HeldOutEvery)
	data, err := newSFTData(ex, spec.Train.BatchSize, spec.Train.SeqLen, tok.EOS(), uint64(spec.Seed)^0x5bd1e995)
	if err != nil {
		return err
	}
	m, adapters, err := attachMethod(base, spec.Method, spec.Seed)
	if err != nil {
		return err
	}
	cfg, err := trainConfig(spec.Train, spec.Precision, spec)
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
	_, trainable := nn.Count(m.Params())
	var heldLoss *float64
	if len(held) > 0 {
		l := heldOutLoss(m, held, spec.Train.BatchSize, spec.Train.SeqLen, tok.EOS())
		heldLoss = &l
		ctx.Progress.Printf("held-out instruction loss %.4f on %d examples", l, len(held))
	}
	if adapters != nil {
		if err := adapters.Save(ctx.Path("adapter")); err != nil {
			return err
		}
		adapters.Merge()
		adapters.Detach()
	}
	if err := hf.Save(ctx.Path("model"), base); err != nil {
		return err
	}
	if err := tokenizer.SaveHF(ctx.Path("model"), tok); err != nil {
		return err
	}
	return ctx.WriteSummary(summary.Finetune{Arch: base.Arch(), Params: ParamCount(base), Trainable: trainable,
		Method: spec.MethodName, Precision: spec.Precision.String(), Train: trainSummary(s), Examples: len(ex),
		HeldOut: len(held), HeldOutLoss: heldLoss})
}

func init() { experiments.RegisterArtifact("finetune", finetuneBuilder{}) }
