package paper

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// The estimates of `ssmlab validate` (experiments.Estimator): peak memory
// from the architecture's footprint (a checkpoint's config.json, or the
// spec's sizes) and FLOPs from its per-token count times the tokens each
// pass runs. Evaluation tokens are measured on the data: the requests of
// the first sampleDocs documents of each task at each shot count are built
// with lm-eval's prompts and tokenized, and their mean scaled to the
// task's documents. Shared artifacts (a base's fp32 scores, the fp32
// reference fine-tuning) are counted in every trial that uses them, so
// the sum over trials is an upper bound.

// sampleDocs is how many documents of each task are tokenized.
const sampleDocs = 4

// taskStats are the token counts of one task at one shot count: the
// scored input length of every request of the sampled documents, their
// contexts' lengths, and how many documents they stand for.
type taskStats struct {
	Name    string
	Docs    int   // documents scored (eval.items applied)
	Sampled int   // documents the lengths come from
	Reqs    []int // input lengths of their requests (lmeval.Window)
	Ctxs    []int // their contexts' lengths (the logit-divergence prompts)
}

// flops is the forward FLOPs of every request of the task under f.
func (s taskStats) flops(f lm.Footprint) (flops, tokens float64) {
	for _, n := range s.Reqs {
		flops += float64(n) * f.ForwardFlops(n)
		tokens += float64(n)
	}
	scale := float64(s.Docs) / float64(max(s.Sampled, 1))
	return flops * scale, tokens * scale
}

func (s taskStats) ctxFlops(f lm.Footprint) float64 {
	var fl float64
	for _, n := range s.Ctxs {
		fl += float64(n) * f.ForwardFlops(n)
	}
	return fl * float64(s.Docs) / float64(max(s.Sampled, 1))
}

var statsCache sync.Map // key string -> *statsEntry

type statsEntry struct {
	once  sync.Once
	stats []taskStats
	err   error
}

// evalStats measures the tasks of [data] entry d at k shots, at most items
// documents each (0: all); computed once per process for each (d, k, items).
func evalStats(d config.Dataset, k, items int) ([]taskStats, error) {
	raw, _ := json.Marshal(d)
	v, _ := statsCache.LoadOrStore(fmt.Sprintf("%s/%d/%d", raw, k, items), &statsEntry{})
	e := v.(*statsEntry)
	e.once.Do(func() {
		tasks, tok, err := cachedTasks(d)
		if err != nil {
			e.err = err
			return
		}
		for _, t0 := range tasks {
			t, err := limitTask(t0, items)
			if err != nil {
				e.err = err
				return
			}
			_, docs, _ := t.Eval()
			s, err := limitTask(t, sampleDocs)
			if err != nil {
				e.err = err
				return
			}
			st := taskStats{Name: t.Name, Docs: len(docs)}
			_, sdocs, _ := s.Eval()
			st.Sampled = len(sdocs)
			reqs, err := s.Requests(k)
			if err != nil {
				e.err = fmt.Errorf("task %s: %v", t.Name, err)
				return
			}
			for _, r := range reqs {
				c, cont := lmeval.EncodePair(tok, r.Context, r.Continuation)
				in, _, err := lmeval.Window(c, cont, maxLen)
				if err != nil {
					e.err = fmt.Errorf("task %s doc %d: %v", t.Name, r.Doc, err)
					return
				}
				st.Reqs = append(st.Reqs, len(in))
			}
			ctxs, err := s.Contexts(k)
			if err != nil {
				e.err = fmt.Errorf("task %s: %v", t.Name, err)
				return
			}
			for _, c := range ctxs {
				st.Ctxs = append(st.Ctxs, len(tok.Encode(c)))
			}
			e.stats = append(e.stats, st)
		}
	})
	return e.stats, e.err
}

var tasksCache sync.Map // key string -> *tasksEntry

type tasksEntry struct {
	once  sync.Once
	tasks []*lmeval.Task
	tok   tokenizer.Tokenizer
	err   error
}

// cachedTasks is loadTasks once per process for each [data] entry.
func cachedTasks(d config.Dataset) ([]*lmeval.Task, tokenizer.Tokenizer, error) {
	raw, _ := json.Marshal(d)
	v, _ := tasksCache.LoadOrStore(string(raw), &tasksEntry{})
	e := v.(*tasksEntry)
	e.once.Do(func() { e.tasks, e.tok, e.err = loadTasks(d) })
	return e.tasks, e.tok, e.err
}

// estimator gathers a trial's estimate: the files it lacks, its peak
// memory and its FLOPs by part.
type estimator struct {
	t      *config.Trial
	cost   experiments.Cost
	fp     lm.Footprint
	fpOK   bool
	broken bool // a part could not be estimated: no FLOPs total
	parts  []string
}

// newEstimator starts t's estimate with the files it lacks (its training
// data only when it trains) and its model's footprint (from config.json or
// the spec's sizes).
func newEstimator(t *config.Trial, trains bool) *estimator {
	e := &estimator{t: t}
	one := *t
	if !trains {
		one.Train.Dataset = ""
	}
	for _, m := range experiments.MissingFiles(&config.Experiment{Trials: []config.Trial{one}}) {
		e.cost.Needs = append(e.cost.Needs, m.Path)
	}
	b, err := baseSpec(t)
	if err != nil {
		e.fail(err.Error())
		return e
	}
	if b.Model.Path != "" {
		if _, err := os.Stat(filepath.Join(b.Model.Path, "config.json")); err != nil {
			// MissingFiles lists the checkpoint for the time estimate
			e.cost.MemNeeds = filepath.Join(b.Model.Path, "config.json")
			e.broken = true
			return e
		}
		e.fp, _, err = hf.Footprint(b.Model.Path)
	} else {
		var V int
		if V, err = baseVocab(b); err == nil {
			e.fp, err = footprint(&b.Model, V)
		}
	}
	if err != nil {
		e.fail(err.Error())
		return e
	}
	e.fpOK = true
	if e.fp.Flops == 0 {
		e.fail(fmt.Sprintf("no FLOP count for model %s", t.ModelName))
	}
	return e
}

func (e *estimator) fail(why string) {
	e.broken = true
	if e.cost.Unknown == "" {
		e.cost.Unknown = why
	}
}

// mem records a phase's memory.
func (e *estimator) mem(bytes float64) { e.cost.Bytes = max(e.cost.Bytes, bytes) }

// train adds fine-tuning (or pretraining) runs of steps × batch × seqLen
// tokens.
func (e *estimator) train(runs int, tr config.Train, frozen bool) {
	if !e.fpOK {
		return
	}
	e.mem(e.fp.TrainBytes(tr.BatchSize, tr.SeqLen))
	tokens := float64(tr.Steps) * float64(tr.BatchSize) * float64(tr.SeqLen)
	e.cost.Flops += float64(runs) * tokens * e.fp.TrainFlops(tr.SeqLen, frozen)
	e.parts = append(e.parts, fmt.Sprintf("%d fine-tuning run(s) of %.3g tokens", runs, tokens))
}

// eval adds passes evaluations of the trial's [eval] (every task at every
// shot count) and logitPasses forward passes over the contexts of the
// first logitTasks tasks at logitShots shots.
func (e *estimator) eval(passes, logitPasses, logitTasks, logitShots int) {
	if !e.fpOK {
		return
	}
	e.mem(e.fp.InferBytes(e.t.Eval.BatchSize, maxLen))
	if len(e.cost.Needs) > 0 || e.broken {
		return
	}
	d, ok := e.t.Data[firstOr(e.t.Eval.Tasks)]
	if !ok {
		e.fail("eval.tasks names no [data] entry")
		return
	}
	var fl, tokens float64
	for _, k := range e.t.Eval.Shots {
		stats, err := evalStats(d, k, e.t.Eval.Items)
		if err != nil {
			e.fail(err.Error())
			return
		}
		for _, s := range stats {
			f, n := s.flops(e.fp)
			fl, tokens = fl+f, tokens+n
		}
	}
	e.cost.Flops += float64(passes) * fl
	e.parts = append(e.parts, fmt.Sprintf("%d evaluation(s) of %.3g tokens", passes, tokens))
	if logitPasses == 0 || logitTasks == 0 {
		return
	}
	stats, err := evalStats(d, logitShots, e.t.Eval.Items)
	if err != nil {
		e.fail(err.Error())
		return
	}
	var lf float64
	for _, s := range stats[:min(logitTasks, len(stats))] {
		lf += s.ctxFlops(e.fp)
	}
	e.cost.Flops += float64(logitPasses) * lf
	e.parts = append(e.parts, fmt.Sprintf("%d logit pass(es)", logitPasses))
}

// forward adds forward passes over n tokens in sequences of seqLen.
func (e *estimator) forward(n float64, batch, seqLen int, what string) {
	if !e.fpOK {
		return
	}
	e.mem(e.fp.InferBytes(batch, seqLen))
	e.cost.Flops += n * e.fp.ForwardFlops(seqLen)
	e.parts = append(e.parts, fmt.Sprintf("%s of %.3g tokens", what, n))
}

func (e *estimator) done() experiments.Cost {
	if e.broken || len(e.cost.Needs) > 0 {
		e.cost.Flops = 0
	}
	if e.cost.Flops > 0 {
		e.cost.Work = strings.Join(e.parts, ", ")
	}
	return e.cost
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Estimate implements experiments.Estimator: fp32 scores and those of
// every precision, and the logit comparisons (fp32 and each precision).
func (MPDiv) Estimate(t *config.Trial) experiments.Cost {
	p := t.Params.(*MPDivParams)
	e := newEstimator(t, false)
	e.eval(1+len(p.Precisions), 2*len(p.Precisions), p.LogitTasks, p.LogitShots)
	return e.done()
}

// Estimate implements experiments.Estimator: the trial's fine-tuning and
// the fp32 full fine-tuning it is compared with, both evaluated, and the
// logit comparison between them.
func (MPFT) Estimate(t *config.Trial) experiments.Cost {
	p := t.Params.(*MPFTParams)
	e := newEstimator(t, true)
	e.train(1, t.Train, t.Method.LoRA())
	e.train(1, t.Train, false)
	e.eval(2, 2, p.LogitTasks, p.LogitShots)
	return e.done()
}

// Estimate implements experiments.Estimator: the instruction tuning of
// stage "instruct", then one evaluation.
func (ICL) Estimate(t *config.Trial) experiments.Cost {
	instruct := t.Params.(*ICLParams).Stage == "instruct"
	e := newEstimator(t, instruct)
	if instruct {
		e.train(1, t.Train, t.Method.LoRA())
	}
	e.eval(1, 0, 0, 0)
	return e.done()
}

// Estimate implements experiments.Estimator: the forward passes over the
// windows of text (the spectra's own arithmetic, per layer and window, is
// not counted).
func (Spectra) Estimate(t *config.Trial) experiments.Cost {
	p := t.Params.(*SpectraParams)
	e := newEstimator(t, false)
	e.forward(float64(p.Sequences)*float64(p.SeqLen), p.Batch, p.SeqLen, "forward passes")
	return e.done()
}
