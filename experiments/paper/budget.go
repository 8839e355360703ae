package paper

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// footprint is the memory estimate of a spec's model, from its sizes or
// its checkpoint's config.json alone; the config is validated on the way.
func footprint(spec *config.Model, vocab int) (lm.Footprint, error) {
	if spec.Path != "" {
		f, _, err := hf.Footprint(spec.Path)
		if err == nil {
			err = hf.CheckHeaders(spec.Path, f.Params)
		}
		return f, err
	}
	a, err := models.Get(spec.Arch)
	if err != nil {
		return lm.Footprint{}, err
	}
	s := spec.Spec
	if s.Vocab == 0 {
		s.Vocab = vocab
	}
	return a.FootprintOf(s)
}

// vocabOf is the vocabulary a model trained on d gets when its spec leaves
// Vocab at 0: d's tokenizer's.
func vocabOf(d config.Dataset) (int, error) {
	tok, err := tokenizerOf(d)
	if err != nil {
		return 0, err
	}
	return tok.VocabSize(), nil
}

// checkTrainBudget refuses, before anything is built, training name's model
// on batch sequences of seqLen tokens when the estimate (weights, gradients,
// AdamW moments, activations) exceeds the available memory.
func checkTrainBudget(name string, spec *config.Model, vocab, batch, seqLen int) error {
	f, err := footprint(spec, vocab)
	if err != nil {
		return fmt.Errorf("model %s: %v", name, err)
	}
	need := f.TrainBytes(batch, seqLen)
	hint := "lower batch_size or seq_len"
	switch {
	case !membudget.Fits(f.TrainBytes(0, 0)):
		hint = "use a smaller model"
	case !membudget.Fits(f.TrainBytes(1, seqLen)):
		hint = "lower seq_len, or use a smaller model"
	}
	return membudget.Check(need, fmt.Sprintf("training model %s (%.3g parameters, batch_size %d x seq_len %d)", name, f.Params, batch, seqLen), hint)
}

// checkEvalBudget is checkTrainBudget for evaluating batch prompts of up to
// seqLen tokens; seqKey names the setting that sets seqLen ("" when fixed).
func checkEvalBudget(name string, spec *config.Model, vocab, batch, seqLen int, seqKey string) error {
	f, err := footprint(spec, vocab)
	if err != nil {
		return fmt.Errorf("model %s: %v", name, err)
	}
	hint := "lower eval.batch_size"
	switch {
	case !membudget.Fits(f.InferBytes(0, 0)) || !membudget.Fits(f.InferBytes(1, seqLen)) && seqKey == "":
		hint = "use a smaller model"
	case !membudget.Fits(f.InferBytes(1, seqLen)):
		hint = "lower " + seqKey + ", or use a smaller model"
	}
	return membudget.Check(f.InferBytes(batch, seqLen), fmt.Sprintf("evaluating model %s (%.3g parameters, batch_size %d x %d tokens)", name, f.Params, batch, seqLen), hint)
}

// baseVocab is the vocabulary of spec's base model: its own, or that of the
// corpus it is pretrained on (0 for a checkpoint: its config.json has it).
func baseVocab(b BaseSpec) (int, error) {
	if b.Model.Path != "" || b.Model.Vocab > 0 {
		return b.Model.Vocab, nil
	}
	return vocabOf(b.Data)
}

// checkTrialBudget checks, from the trial's config alone, the memory of
// what it will run: pretraining its base (pretrain), fine-tuning it
// (finetune) and evaluating it (eval). Kinds call it from Check, so
// ssmlab validate refuses a trial that cannot fit, and the builders call
// the same checks before building anything.
func checkTrialBudget(t *config.Trial, pretrain, finetune, eval bool) error {
	b, err := baseSpec(t)
	if err != nil {
		return err
	}
	V, err := baseVocab(b)
	if err != nil {
		return err
	}
	if pretrain && b.Model.Path == "" {
		if err := checkTrainBudget(t.ModelName, &b.Model, V, t.Pretrain.BatchSize, t.Pretrain.SeqLen); err != nil {
			return err
		}
	}
	if finetune {
		if err := checkTrainBudget(t.ModelName, &b.Model, V, t.Train.BatchSize, t.Train.SeqLen); err != nil {
			return err
		}
	}
	if eval {
		return checkEvalBudget(t.ModelName, &b.Model, V, t.Eval.BatchSize, maxLen, "")
	}
	return nil
}
