package paper

import (
	"fmt"
	"math"

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
	// The instruction-tuning recipe (stage instruct), chosen per model: every
	// learning rate of LRSweep (empty: [train].learning_rate) times every
	// LoRA alpha of AlphaSweep (empty: the method's) is fine-tuned with
	// every HeldOutEvery-th instruction example held out, and the recipe
	// with the lowest held-out instruction loss is evaluated. One shared
	// untuned rate would decide the families' comparison by itself.
	LRSweep      []float64 `toml:"lr_sweep" json:"lr_sweep,omitempty"`
	AlphaSweep   []float64 `toml:"alpha_sweep" json:"alpha_sweep,omitempty"`
	HeldOutEvery int       `toml:"held_out_every" json:"held_out_every,omitempty"`
}

// NewParams implements experiments.ParamsKind.
func (ICL) NewParams() any { return &ICLParams{Stage: "pretrained", HeldOutEvery: 10} }

// Version implements experiments.Versioned.
func (ICL) Version() string { return "2" }

// Check implements experiments.Checker.
func (ICL) Check(t *config.Trial) error {
	if err := CheckModel(t.Model); err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	p := t.Params.(*ICLParams)
	if p.Stage != "pretrained" && p.Stage != "instruct" {
		return fmt.Errorf("params.stage must be pretrained or instruct (have %q)", p.Stage)
	}
	for _, lr := range p.LRSweep {
		if !(lr > 0) || math.IsInf(lr, 0) {
			return fmt.Errorf("params.lr_sweep: %v is not a positive learning rate", lr)
		}
	}
	for _, a := range p.AlphaSweep {
		if !(a > 0) || math.IsInf(a, 0) {
			return fmt.Errorf("params.alpha_sweep: %v is not a positive LoRA alpha", a)
		}
	}
	if p.HeldOutEvery < 0 || p.HeldOutEvery == 1 {
		return fmt.Errorf("params.held_out_every = %d: use 0 (hold nothing out) or at least 2", p.HeldOutEvery)
	}
	if len(p.AlphaSweep) > 0 && !t.Method.LoRA() && p.Stage == "instruct" {
		return fmt.Errorf("params.alpha_sweep needs a LoRA method, and method %s is full fine-tuning", t.MethodName)
	}
	r, err := iclRef(t)
	if err == nil {
		err = checkTrialBudget(t, true, r.Finetune != nil, true)
	}
	return err
}

// recipes are the instruction-tuning specs a stage-instruct trial tries.
func recipes(t *config.Trial) ([]FinetuneSpec, error) {
	ft, err := finetuneSpec(t)
	if err != nil {
		return nil, err
	}
	p := t.Params.(*ICLParams)
	ft.HeldOutEvery = p.HeldOutEvery
	lrs, alphas := p.LRSweep, p.AlphaSweep
	if len(lrs) == 0 {
		lrs = []float64{ft.Train.LearningRate}
	}
	if len(alphas) == 0 {
		alphas = []float64{ft.Method.Alpha}
	}
	var out []FinetuneSpec
	for _, lr := range lrs {
		for _, a := range alphas {
			r := ft
			r.Train.LearningRate, r.Method.Alpha = lr, a
			out = append(out, r)
		}
	}
	return out, nil
}

func iclRef(t *config.Trial) (ModelRef, error) {
	if t.Params.(*ICLParams).Stage == "instruct" {
		rs, err := recipes(t)
		if err != nil {
			return ModelRef{}, err
		}
		return ModelRef{Finetune: &rs[0]}, nil
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
		rs, err := recipes(t)
		if err != nil {
			return nil, err
		}
		var specs []any
		for _, r := range rs {
			specs = append(specs, r)
		}
		return needsOf(specs...), nil
	}
	return needsOf(*r.Base), nil
}

// chooseRecipe fine-tunes every recipe and returns the one with the lowest
// held-out instruction loss, with the sweep for the summary.
func chooseRecipe(ctx *experiments.Context, rs []FinetuneSpec) (FinetuneSpec, []summary.RecipePoint, *float64, error) {
	best, bestLoss := -1, math.Inf(1)
	var pts []summary.RecipePoint
	for i, r := range rs {
		dir, err := ctx.Artifact("finetune", r)
		if err != nil {
			return FinetuneSpec{}, nil, nil, err
		}
		var fs summary.Finetune
		if err := readSummary(dir, &fs); err != nil {
			return FinetuneSpec{}, nil, nil, err
		}
		l := math.NaN()
		if fs.HeldOutLoss != nil {
			l = *fs.HeldOutLoss
		}
		alpha := 0.0
		if r.Method.LoRA() {
			alpha = r.Method.Alpha
		}
		pts = append(pts, summary.RecipePoint{LR: r.Train.LearningRate, Alpha: alpha, HeldOutLoss: summary.Float(l)})
		if l < bestLoss || (best < 0 && math.IsNaN(l)) {
			best, bestLoss = i, l
		}
	}
	pts[best].Chosen = true
	var hl *float64
	if !math.IsNaN(bestLoss) {
		hl = &bestLoss
	}
	return rs[best], pts, hl, nil
}

// Run implements experiments.Kind.
func (ICL) Run(ctx *experiments.Context) error {
	t := ctx.Trial
	p := t.Params.(*ICLParams)
	ref, err := iclRef(t)
	if err != nil {
		return err
	}
	var recipe []summary.RecipePoint
	var heldLoss *float64
	if ref.Finetune != nil {
		rs, err := recipes(t)
		if err != nil {
			return err
		}
		chosen, pts, hl, err := chooseRecipe(ctx, rs)
		if err != nil {
			return err
		}
		ref.Finetune, heldLoss = &chosen, hl
		if len(rs) > 1 {
			recipe = pts
			ctx.Progress.Printf("%s: recipe lr %g alpha %g chosen of %d by held-out instruction loss", t.ModelName, chosen.Train.LearningRate, chosen.Method.Alpha, len(rs))
		}
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
	var held *summary.Float
	if heldLoss != nil {
		v := summary.Float(*heldLoss)
		held = &v
	}
	s := summary.ICL{Model: modelInfo(t, base), Stage: p.Stage, Shots: t.Eval.Shots,
		Items: items(sc, t.Eval.Shots), Families: familyAcc(sc, t.Eval.Shots), Recipe: recipe, HeldOutLoss: held}
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
