package paper

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/icl"
	"github.com/ssmlab/ssmlab/models/precision"
)

// ICL is the kind "icl" (Fig. 3 and 4): k-shot accuracy on the suite's
// held-out-function tasks of one model, pretrained (stage "pretrained") or
// instruction-tuned by the trial's method and precision (stage
// "instruct"). The ICL gain is the mean over k > 0 of acc_k − acc_0
// (docs/metrics.md); ratios between families are computed across trials in
// the report, with bootstrap intervals over items and seeds.
type ICL struct{}

// ICLParams is [params] of kind icl.
type ICLParams struct {
	Stage         string           `toml:"stage" json:"stage"`                   // pretrained or instruct
	EvalPrecision precision.Policy `toml:"eval_precision" json:"eval_precision"` // precision of the k-shot evaluation
}

// NewParams implements experiments.ParamsKind.
func (ICL) NewParams() any { return &ICLParams{Stage: "pretrained"} }

// Version implements experiments.Versioned.
func (ICL) Version() string { return "1" }

// Check implements experiments.Checker.
func (ICL) Check(t *config.Trial) error {
	if err := CheckModel(t.Model); err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	p := t.Params.(*ICLParams)
	if p.Stage != "pretrained" && p.Stage != "instruct" {
		return fmt.Errorf("params.stage must be pretrained or instruct (have %q)", p.Stage)
	}
	r, err := iclRef(t)
	if err == nil {
		err = checkTrialBudget(t, true, r.Finetune != nil, true)
	}
	return err
}

func iclRef(t *config.Trial) (ModelRef, error) {
	if t.Params.(*ICLParams).Stage == "instruct" {
		ft, err := finetuneSpec(t)
		return ModelRef{Finetune: &ft}, err
	}
	b, err := baseSpec(t)
	return ModelRef{Base: &b}, err
}

// Needs implements experiments.Planner.
func (ICL) Needs(t *config.Trial) ([]experiments.Need, error) {
	r, err := iclRef(t)
	if err != nil {
		return nil, err
	}
	if r.Finetune != nil {
		return needsOf(*r.Finetune), nil
	}
	return needsOf(*r.Base), nil
}

// Run implements experiments.Kind.
func (ICL) Run(ctx *experiments.Context) error {
	t := ctx.Trial
	p := t.Params.(*ICLParams)
	ref, err := iclRef(t)
	if err != nil {
		return err
	}
	spec, err := scoresSpec(t, ref, p.EvalPrecision)
	if err != nil {
		return err
	}
	sc, err := scores(ctx, spec)
	if err != nil {
		return err
	}
	base, baseDir, err := loadBase(ctx, ref.baseSpec())
	if err != nil {
		return err
	}
	s := summary.ICL{Model: modelInfo(t, base), Stage: p.Stage, Shots: t.Eval.Shots,
		Items: items(sc, t.Eval.Shots), Families: familyAcc(sc, t.Eval.Shots)}
	s.Acc, s.AccNorm = accByK(sc, t.Eval.Shots)
	curve := map[int]float64{}
	for i, k := range t.Eval.Shots {
		curve[k] = s.Acc[i]
	}
	if s.Gain, err = icl.Gain(curve, nonZero(t.Eval.Shots)); err != nil {
		return err
	}
	var bs summary.Base
	if t.Model.Path == "" {
		if err := readSummary(baseDir, &bs); err != nil {
			return err
		}
		s.PretrainLoss, s.Diverged = bs.Train.MeanLastLoss, bs.Train.Diverged
	}
	if ref.Finetune != nil {
		s.Method, s.Precision = t.MethodName, t.Precision.String()
		dir, err := ctx.Artifact("finetune", *ref.Finetune)
		if err != nil {
			return err
		}
		var fs summary.Finetune
		if err := readSummary(dir, &fs); err != nil {
			return err
		}
		s.FinetuneLoss, s.Diverged = fs.Train.MeanLastLoss, s.Diverged || fs.Train.Diverged
	}
	return ctx.WriteSummary(s)
}

func (r ModelRef) baseSpec() BaseSpec {
	if r.Finetune != nil {
		return r.Finetune.Base
	}
	return *r.Base
}

func nonZero(ks []int) []int {
	var out []int
	for _, k := range ks {
		if k != 0 {
			out = append(out, k)
		}
	}
	return out
}

func init() { experiments.RegisterKind("icl", ICL{}) }
