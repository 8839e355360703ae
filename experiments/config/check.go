package config

import (
	"math"
	"regexp"
	"sort"

	"github.com/ssmlab/ssmlab/datasets/benchmarks"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/internal/suggest"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// checkSettings finds problems no type check can: bad names, unknown
// architectures and schedules, references to undefined models, methods
// and datasets, sizes out of range. It fills model defaults on the way.
func checkSettings(s *Settings, mg *merged, top string) error {
	at := func(path ...string) func(string, ...any) error {
		return func(format string, a ...any) error { return mg.errAt(top, path, format, a...) }
	}
	if s.Kind != "" && s.Name == "" {
		return &Error{File: top, Msg: "an experiment needs name = \"...\" (its directory under results/runs/)"}
	}
	if err := checkNameLengths(s, at); err != nil {
		return err
	}
	if s.Device != "cpu" && s.Device != "cuda" {
		return at("device")("device %q: want cpu or cuda", s.Device)
	}
	if s.Kind != "" && !nameRE.MatchString(s.Name) {
		return at("name")("name %q: want lower-case letters, digits, '_' and '-' (it names results/runs/<name>/)", s.Name)
	}
	for _, n := range sortedKeys(s.Models) {
		m := s.Models[n]
		m.Fill()
		if field, err := m.check(); err != nil {
			return at("models", n, field)("[models.%s]: %v", n, err)
		}
		s.Models[n] = m
	}
	for _, n := range sortedKeys(s.Methods) {
		if m := s.Methods[n]; m.LoRA() && (m.Rank <= 0 || !(m.Alpha > 0) || !finite(m.Alpha)) {
			return at("methods", n, "rank")("[methods.%s]: LoRA needs a positive rank and a positive, finite alpha", n)
		}
		if m := s.Methods[n]; !(m.Dropout >= 0 && m.Dropout < 1) {
			return at("methods", n, "dropout")("[methods.%s]: dropout = %v: must be in [0, 1)", n, m.Dropout)
		}
	}
	for _, n := range sortedKeys(s.Data) {
		d := s.Data[n]
		if (d.Builtin == "") == (d.Path == "") {
			return at("data", n)("[data.%s]: set exactly one of builtin and path", n)
		}
		if d.Builtin != "" && !contains(Builtins, d.Builtin) {
			return at("data", n, "builtin")("[data.%s]: unknown builtin %q (want one of %v)%s", n, d.Builtin, Builtins, suggest.Hint(d.Builtin, Builtins))
		}
		if len(d.Tasks) > 0 && d.Path == "" {
			return at("data", n, "tasks")("[data.%s]: tasks are read from path/<task>; set path to the folder holding them", n)
		}
		for _, task := range d.Tasks {
			if benchmarks.GroupTasks(task) != nil {
				continue
			}
			spec, err := benchmarks.Lookup(task)
			if err != nil {
				return at("data", n, "tasks")("[data.%s]: tasks: %v", n, err)
			}
			if spec.Output == lmeval.Loglikelihood {
				return at("data", n, "tasks")("[data.%s]: tasks: %s has no choices to compare (the experiments score multiple-choice tasks); score it with ssmlab eval", n, task)
			}
		}
		if d.Profile != "" && !contains(SuiteProfiles, d.Profile) {
			return at("data", n, "profile")("[data.%s]: unknown suite profile %q (want one of %v)", n, d.Profile, SuiteProfiles)
		}
	}
	if err := checkRefs(s, at); err != nil {
		return err
	}
	for _, t := range []struct {
		sec string
		t   Train
	}{{"pretrain", s.Pretrain.Train}, {"train", s.Train}} {
		if err := checkTrain(t.t, func(k string) func(string, ...any) error { return at(t.sec, k) }); err != nil {
			return err
		}
	}
	for _, k := range s.Eval.Shots {
		if k < 0 {
			return at("eval", "shots")("eval.shots: %d is negative", k)
		}
	}
	if s.Eval.Items < 0 || s.Eval.Bootstrap < 0 || s.Eval.BatchSize <= 0 {
		return at("eval")("[eval]: items and bootstrap must be >= 0 and batch_size > 0")
	}
	return nil
}

// checkRefs checks that the names a trial uses are defined.
func checkRefs(s *Settings, at func(...string) func(string, ...any) error) error {
	if s.Model != "" {
		if _, ok := s.Models[s.Model]; !ok {
			return at("model")("model %q is not defined (defined: %v)%s", s.Model, sortedKeys(s.Models), suggest.Hint(s.Model, sortedKeys(s.Models)))
		}
	}
	if _, ok := s.Methods[s.Method]; !ok {
		return at("method")("method %q is not defined (defined: %v)%s", s.Method, sortedKeys(s.Methods), suggest.Hint(s.Method, sortedKeys(s.Methods)))
	}
	type ref struct {
		path []string
		name string
	}
	refs := []ref{{[]string{"pretrain", "dataset"}, s.Pretrain.Dataset}, {[]string{"train", "dataset"}, s.Train.Dataset}}
	for _, t := range s.Eval.Tasks {
		refs = append(refs, ref{[]string{"eval", "tasks"}, t})
	}
	for _, r := range refs {
		if _, ok := s.Data[r.name]; r.name != "" && !ok {
			return at(r.path...)("dataset %q is not defined in [data] (defined: %v)%s", r.name, sortedKeys(s.Data), suggest.Hint(r.name, sortedKeys(s.Data)))
		}
	}
	return nil
}

// finite reports whether x is neither NaN nor ±Inf (TOML allows nan and
// inf, and a hyperparameter that is either makes training diverge at once).
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkTrain(t Train, at func(key string) func(string, ...any) error) error {
	for _, f := range []struct {
		key string
		v   float64
	}{{"learning_rate", t.LearningRate}, {"min_lr_ratio", t.MinLRRatio}, {"weight_decay", t.WeightDecay},
		{"beta1", t.Beta1}, {"beta2", t.Beta2}, {"eps", t.Eps}, {"grad_clip", t.GradClip}} {
		if !finite(f.v) {
			return at(f.key)("%s = %v: must be a finite number", f.key, f.v)
		}
	}
	switch {
	case t.Beta1 < 0 || t.Beta1 >= 1 || t.Beta2 < 0 || t.Beta2 >= 1:
		return at("beta1")("beta1 and beta2 must be in [0, 1) (have %v, %v)", t.Beta1, t.Beta2)
	case t.Eps < 0:
		return at("eps")("eps must be >= 0")
	case t.MinLRRatio < 0:
		return at("min_lr_ratio")("min_lr_ratio must be >= 0")
	}
	switch {
	case t.Steps < 0:
		return at("steps")("steps must be >= 0")
	case t.BatchSize <= 0:
		return at("batch_size")("batch_size must be positive")
	case t.SeqLen <= 0:
		return at("seq_len")("seq_len must be positive")
	case t.LearningRate < 0:
		return at("learning_rate")("learning_rate must be >= 0")
	case t.WarmupSteps < 0 || t.WarmupSteps > t.Steps:
		return at("warmup_steps")("warmup_steps must be between 0 and steps (%d)", t.Steps)
	case !contains(Schedules, t.Schedule):
		return at("schedule")("unknown schedule %q (want one of %v)%s", t.Schedule, Schedules, suggest.Hint(t.Schedule, Schedules))
	case t.GradClip < 0 || t.WeightDecay < 0:
		return at("grad_clip")("grad_clip and weight_decay must be >= 0")
	case t.CheckpointEvery < 0 || t.LogEvery < 0:
		return at("checkpoint_every")("checkpoint_every and log_every must be >= 0")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
