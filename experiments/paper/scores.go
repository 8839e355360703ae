package paper

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
)

// ModelRef names a model the harness can rebuild: a pretrained base, or a
// fine-tuned one. Exactly one field is set.
type ModelRef struct {
	Base     *BaseSpec     `json:"base,omitempty"`
	Finetune *FinetuneSpec `json:"finetune,omitempty"`
}

// Label names the model in directory names and summaries.
func (r ModelRef) Label() string {
	if r.Finetune != nil {
		return r.Finetune.Label()
	}
	return r.Base.Label()
}

// load returns the model, building its artifacts first if needed.
func (r ModelRef) load(ctx *experiments.Context) (lm.Model, error) {
	if r.Finetune != nil {
		dir, err := ctx.Artifact("finetune", *r.Finetune)
		if err != nil {
			return nil, err
		}
		return hf.Load(filepath.Join(dir, "model"))
	}
	m, _, err := loadBase(ctx, *r.Base)
	return m, err
}

// ScoresSpec is an "evalscores" artifact: Model evaluated under Precision
// on the multiple-choice tasks of Data at every shot count. Several
// experiments evaluate the same models (the fp32 scores of a base serve the
// divergence table, the ICL curves and the scaling figure), so scores are
// computed once.
type ScoresSpec struct {
	Model     ModelRef         `json:"model"`
	Precision precision.Policy `json:"precision"`
	Data      config.Dataset   `json:"data"`
	Shots     []int            `json:"shots"`
	Items     int              `json:"items"`
	MaxLen    int              `json:"max_len"`
	Batch     int              `json:"batch"`
}

// Label implements experiments.Labeler.
func (s ScoresSpec) Label() string { return s.Model.Label() + "_" + s.Precision.String() }

// maxLen is the context every evaluation uses (lm-eval's max_length for
// models without a limit; the suite's prompts are far shorter).
const maxLen = 1024

// scoresSpec is the evaluation of model under pol with the trial's [eval].
func scoresSpec(t *config.Trial, model ModelRef, pol precision.Policy) (ScoresSpec, error) {
	if len(t.Eval.Tasks) != 1 {
		return ScoresSpec{}, fmt.Errorf("eval.tasks must name exactly one multiple-choice [data] entry (have %v)", t.Eval.Tasks)
	}
	d, ok := t.Data[t.Eval.Tasks[0]]
	if !ok {
		return ScoresSpec{}, fmt.Errorf("eval.tasks: %q is not a [data] entry", t.Eval.Tasks[0])
	}
	return ScoresSpec{Model: model, Precision: pol, Data: d, Shots: t.Eval.Shots, Items: t.Eval.Items, MaxLen: maxLen, Batch: t.Eval.BatchSize}, nil
}

type scoresBuilder struct{}

func (scoresBuilder) Version() string { return "1" }

func (scoresBuilder) Build(ctx *experiments.Context) error {
	var spec ScoresSpec
	if err := json.Unmarshal(ctx.Spec, &spec); err != nil {
		return fmt.Errorf("evalscores spec: %v", err)
	}
	b := spec.Model.baseSpec()
	V, err := baseVocab(b)
	if err == nil {
		err = checkEvalBudget(b.Name, &b.Model, V, spec.Batch, spec.MaxLen, "")
	}
	if err != nil {
		return err
	}
	m, err := spec.Model.load(ctx)
	if err != nil {
		return err
	}
	tasks, tok, err := loadTasks(spec.Data)
	if err != nil {
		return err
	}
	ctx.Progress.Printf("evaluating %s under %s: %d tasks x %d shot counts", spec.Model.Label(), spec.Precision, len(tasks), len(spec.Shots))
	ts, err := Evaluate(ctx, m, spec.Precision, EvalSpec{Tasks: tasks, Tok: tok, Shots: spec.Shots, Items: spec.Items, MaxLen: spec.MaxLen, Batch: spec.Batch})
	if err != nil {
		return err
	}
	return ctx.WriteSummary(summary.Scores{Model: spec.Model.Label(), Precision: spec.Precision.String(), Tasks: ts})
}

// scores returns the evaluation of spec, computing it first if needed.
func scores(ctx *experiments.Context, spec ScoresSpec) (summary.Scores, error) {
	dir, err := ctx.Artifact("evalscores", spec)
	if err != nil {
		return summary.Scores{}, err
	}
	var s summary.Scores
	raw, err := fsx.ReadFile(filepath.Join(dir, "summary.json"))
	if err == nil {
		err = json.Unmarshal(raw, &s)
	}
	if err != nil {
		return summary.Scores{}, fmt.Errorf("%s: %v", dir, err)
	}
	return s, nil
}

func init() { experiments.RegisterArtifact("evalscores", scoresBuilder{}) }
