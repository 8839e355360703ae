package paper

import (
	"fmt"
	"strings"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/precision"
)

// MPDiv is the kind "mpdiv" (Table 1): one pretrained base evaluated in
// fp32 and in each 16-bit precision on the same k-shot tasks; the
// divergence of each 16-bit precision from fp32 at the accuracy level and
// at the logit level.
type MPDiv struct{}

// MPDivParams is [params] of kind mpdiv.
type MPDivParams struct {
	// Precisions to compare with fp32 (which is always evaluated).
	Precisions []precision.Policy `toml:"precisions" json:"precisions"`
	// LogitTasks tasks' prompts at LogitShots shots (their first eval.items
	// docs) are run in fp32 and each precision to compare logits.
	LogitTasks int `toml:"logit_tasks" json:"logit_tasks"`
	LogitShots int `toml:"logit_shots" json:"logit_shots"`
}

// NewParams implements experiments.ParamsKind.
func (MPDiv) NewParams() any {
	return &MPDivParams{Precisions: []precision.Policy{precision.FP16AMP, precision.BF16AMP}, LogitTasks: 12, LogitShots: 5}
}

// Version implements experiments.Versioned.
func (MPDiv) Version() string { return "1" }

// Check implements experiments.Checker.
func (MPDiv) Check(t *config.Trial) error {
	if err := CheckModel(t.Model); err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	p := t.Params.(*MPDivParams)
	if len(p.Precisions) == 0 || p.LogitTasks < 0 || p.LogitShots < 0 {
		return fmt.Errorf("params: precisions must be non-empty, logit_tasks and logit_shots >= 0")
	}
	b, err := baseSpec(t)
	if err == nil {
		_, err = scoresSpec(t, ModelRef{Base: &b}, precision.FP32Policy)
	}
	if err == nil {
		err = checkTrialBudget(t, true, false, true)
	}
	return err
}

// Needs implements experiments.Planner.
func (MPDiv) Needs(t *config.Trial) ([]experiments.Need, error) {
	b, err := baseSpec(t)
	if err != nil {
		return nil, err
	}
	return needsOf(b), nil
}

// Run implements experiments.Kind.
func (MPDiv) Run(ctx *experiments.Context) error {
	t := ctx.Trial
	p := t.Params.(*MPDivParams)
	b, err := baseSpec(t)
	if err != nil {
		return err
	}
	ref := ModelRef{Base: &b}
	m, _, err := loadBase(ctx, b)
	if err != nil {
		return err
	}
	spec32, err := scoresSpec(t, ref, precision.FP32Policy)
	if err != nil {
		return err
	}
	sc32, err := scores(ctx, spec32)
	if err != nil {
		return err
	}
	tasks, tok, err := loadTasks(spec32.Data)
	if err != nil {
		return err
	}
	out := summary.MPInference{Model: modelInfo(t, m), Shots: t.Eval.Shots}
	row32 := summary.MPRow{Precision: "fp32"}
	row32.Acc, _ = accByK(sc32, t.Eval.Shots)
	out.Rows = append(out.Rows, row32)
	for _, pol := range p.Precisions {
		spec := spec32
		spec.Precision = pol
		sc, err := scores(ctx, spec)
		if err != nil {
			return err
		}
		row := summary.MPRow{Precision: pol.String()}
		row.Acc, _ = accByK(sc, t.Eval.Shots)
		if row.DivPP, row.DivTaskPP, row.ItemFlip, err = accDivergence(sc32, sc, t.Eval.Shots); err != nil {
			return err
		}
		ls, err := logitDivergence(ctx, m, precision.FP32Policy, m, pol, tasks, tok, p.LogitShots, p.LogitTasks, t.Eval.Items)
		if err != nil {
			return err
		}
		row.MaxAbsLogit, row.MeanKL, row.ArgmaxFlip = summary.Float(ls.MaxAbsDiff), summary.Float(ls.MeanKL), summary.Float(ls.FlipRate)
		out.Rows = append(out.Rows, row)
	}
	var divs []string
	for _, row := range out.Rows[1:] { // the first row is fp32 itself
		divs = append(divs, fmt.Sprintf("%s %.2f pp (KL %.2g)", row.Precision, row.DivPP, float64(row.MeanKL)))
	}
	ctx.Progress.Printf("%s: divergence from fp32: %s", t.ModelName, strings.Join(divs, ", "))
	return ctx.WriteSummary(out)
}

func init() { experiments.RegisterKind("mpdiv", MPDiv{}) }
