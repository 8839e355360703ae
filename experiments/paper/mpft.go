package paper

import (
	"fmt"
	"path/filepath"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/precision"
)

// MPFT is the kind "mpft" (Fig. 1): instruction-tune a pretrained base by
// the trial's method (full, or LoRA on some linears) in the trial's
// precision (mixed-precision fine-tuning), then measure how far the result
// diverges from fp32 full fine-tuning of the same base with the same data,
// steps and seed: accuracy divergence on the k-shot tasks and logit-level
// divergence on their prompts. The reference trial itself also measures
// the noise floor: the divergence of an fp32 full fine-tuning that differs
// only in its fine-tuning seed.
type MPFT struct{}

// MPFTParams is [params] of kind mpft.
type MPFTParams struct {
	EvalPrecision precision.Policy `toml:"eval_precision" json:"eval_precision"` // evaluation of both models
	LogitTasks    int              `toml:"logit_tasks" json:"logit_tasks"`
	LogitShots    int              `toml:"logit_shots" json:"logit_shots"`
}

// NewParams implements experiments.ParamsKind.
func (MPFT) NewParams() any { return &MPFTParams{LogitTasks: 12, LogitShots: 5} }

// Version implements experiments.Versioned.
func (MPFT) Version() string { return "2" }

// reference is fp32 full fine-tuning of the same base.
func reference(ft FinetuneSpec) FinetuneSpec {
	ft.Method, ft.MethodName, ft.Precision = config.Method{}, "full", precision.FP32Policy
	return ft
}

// noiseSeedOffset shifts the fine-tuning seed (data order, LoRA init; the
// base keeps its own seed) of the reference's seed twin.
const noiseSeedOffset = 1_000_003

// seedTwin is the reference fine-tuned with another seed: what fp32 full
// fine-tuning diverges from itself by chance, Fig. 1's noise floor. Only
// the reference trial (fp32 full fine-tuning) builds it.
func seedTwin(ft FinetuneSpec) (FinetuneSpec, bool) {
	rf := reference(ft)
	if ft.MethodName != rf.MethodName || ft.Precision != rf.Precision || ft.Method.LoRA() {
		return FinetuneSpec{}, false
	}
	rf.Seed += noiseSeedOffset
	return rf, true
}

// Check implements experiments.Checker.
func (MPFT) Check(t *config.Trial) error {
	if err := CheckModel(t.Model); err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	if p := t.Params.(*MPFTParams); p.LogitTasks < 0 || p.LogitShots < 0 {
		return fmt.Errorf("params: logit_tasks and logit_shots must be >= 0 (have %d, %d)", p.LogitTasks, p.LogitShots)
	}
	ft, err := finetuneSpec(t)
	if err == nil {
		_, err = scoresSpec(t, ModelRef{Finetune: &ft}, precision.FP32Policy)
	}
	if err == nil && t.Method.LoRA() && t.Model != nil && t.Model.Path == "" && len(t.Method.TargetsFor(t.Model.Arch)) == 0 {
		err = fmt.Errorf("method %s names no LoRA targets for arch %s", t.MethodName, t.Model.Arch)
	}
	if err == nil {
		err = checkTrialBudget(t, true, true, true)
	}
	return err
}

// Needs implements experiments.Planner.
func (MPFT) Needs(t *config.Trial) ([]experiments.Need, error) {
	ft, err := finetuneSpec(t)
	if err != nil {
		return nil, err
	}
	specs := []any{ft, reference(ft)}
	if tw, ok := seedTwin(ft); ok {
		specs = append(specs, tw)
	}
	return needsOf(specs...), nil
}

// Run implements experiments.Kind.
func (MPFT) Run(ctx *experiments.Context) error {
	t := ctx.Trial
	p := t.Params.(*MPFTParams)
	ft, err := finetuneSpec(t)
	if err != nil {
		return err
	}
	rf := reference(ft)
	var out summary.MPFT
	var sc, rsc summary.Scores
	for _, x := range []struct {
		spec FinetuneSpec
		dst  *summary.Scores
	}{{ft, &sc}, {rf, &rsc}} {
		spec, err := scoresSpec(t, ModelRef{Finetune: &x.spec}, p.EvalPrecision)
		if err == nil {
			*x.dst, err = scores(ctx, spec)
		}
		if err != nil {
			return err
		}
	}
	dir, err := ctx.Artifact("finetune", ft)
	if err != nil {
		return err
	}
	refDir, err := ctx.Artifact("finetune", rf)
	if err != nil {
		return err
	}
	m, err := hf.Load(filepath.Join(dir, "model"))
	if err != nil {
		return err
	}
	rm, err := hf.Load(filepath.Join(refDir, "model"))
	if err != nil {
		return err
	}
	var fs, rfs summary.Finetune
	if err := readSummary(dir, &fs); err != nil {
		return err
	}
	if err := readSummary(refDir, &rfs); err != nil {
		return err
	}
	out.Diverged = fs.Train.Diverged || rfs.Train.Diverged
	out.Model, out.Method, out.Precision, out.Trainable, out.Train = modelInfo(t, m), t.MethodName, t.Precision.String(), fs.Trainable, fs.Train
	out.Shots = t.Eval.Shots
	out.Acc, _ = accByK(sc, t.Eval.Shots)
	out.RefAcc, _ = accByK(rsc, t.Eval.Shots)
	if out.DivPP, _, out.ItemFlip, err = accDivergence(rsc, sc, t.Eval.Shots); err != nil {
		return err
	}
	spec, _ := scoresSpec(t, ModelRef{Finetune: &ft}, p.EvalPrecision)
	tasks, tok, err := loadTasks(spec.Data)
	if err != nil {
		return err
	}
	ls, err := logitDivergence(ctx, rm, p.EvalPrecision, m, p.EvalPrecision, tasks, tok, p.LogitShots, p.LogitTasks, t.Eval.Items)
	if err != nil {
		return err
	}
	out.MaxAbsLogit, out.MeanKL, out.ArgmaxFlip = summary.Float(ls.MaxAbsDiff), summary.Float(ls.MeanKL), summary.Float(ls.FlipRate)
	if tw, ok := seedTwin(ft); ok {
		spec, err := scoresSpec(t, ModelRef{Finetune: &tw}, p.EvalPrecision)
		var tsc summary.Scores
		if err == nil {
			tsc, err = scores(ctx, spec)
		}
		if err != nil {
			return err
		}
		noise, _, _, err := accDivergence(rsc, tsc, t.Eval.Shots)
		if err != nil {
			return err
		}
		out.NoiseDivPP = &noise
		ctx.Progress.Printf("%s: fp32 full fine-tuning with another seed diverges %.2f pp (noise floor)", t.ModelName, noise)
	}
	ctx.Progress.Printf("%s %s %s: %.2f pp from fp32 full fine-tuning (KL %.2g)", t.ModelName, t.MethodName, t.Precision, out.DivPP, out.MeanKL)
	return ctx.WriteSummary(out)
}

func init() { experiments.RegisterKind("mpft", MPFT{}) }
