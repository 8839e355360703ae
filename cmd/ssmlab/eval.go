package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ssmlab/ssmlab/datasets/benchmarks"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/score"
)

var cmdEval = &Command{
	Name:  "eval",
	Usage: "eval --model DIR [--adapter DIR] --tasks T1,T2 --data DIR --output FILE.json [--num-fewshot K] [--precision fp32|fp16|bf16] [--limit N] [--batch-size N] [--max-length N] [--log-samples] [--no-share] [--tokenizer FILE] [--bootstrap-iters N] [--device cpu|cuda]",
	Short: "score a model on lm-eval benchmarks and write lm-eval-shaped results",
	Long: `Eval scores a Hugging Face model directory on lm-evaluation-harness tasks,
with lm-eval's prompts, few-shot samplers and metrics, and writes a results
JSON in lm-eval's shape. Options mirror lm-eval's CLI (--tasks, --num_fewshot,
--limit, --batch_size, --log_samples) with dashes.

Tasks: arc_easy, arc_challenge, hellaswag, piqa, winogrande, lambada_openai,
openbookqa, mmlu_<subject> (57), and the groups mmlu, mmlu_stem,
mmlu_humanities, mmlu_social_sciences, mmlu_other (their subjects, aggregated
by size as lm-eval does). 'ssmlab eval requests' prints a task's prompts.

Reads:
  --model DIR      an HF model directory (as forward reads) with tokenizer.json,
                   or name the tokenizer with --tokenizer
  --adapter DIR    optional PEFT LoRA adapter
  --data DIR       one folder per task: DIR/<task> (MMLU also DIR/mmlu/<subject>)
                   in any layout 'eval requests' reads. A missing task names
                   the folder it looked for and the huggingface-cli command
                   that downloads it.

Writes:
  --output FILE.json  results: results.<task>."acc,none", "acc_stderr,none",
                   "acc_norm,none", "acc_norm_stderr,none" (LAMBADA
                   "perplexity,none" and "acc,none"), groups, n-shot, configs,
                   versions, n-samples, config (model, precision, limit,
                   batch size, seeds), ssmlab's revision and the date
  --log-samples    also FILE_samples_<task>.jsonl: one line per document with
                   its requests ("arguments"), log-likelihoods and is-greedy
                   flags ("resps") and metric values
Files are replaced atomically; nothing is written on error.

Scoring: a request's log-likelihood is the sum of the continuation tokens'
log-probabilities after lm-eval's token split and left truncation to
--max-length (default 2048) positions. The choices of a document share its
context: Mamba and Mamba-2 run the context once and continue every choice
from its final state (the choices of several documents in one pass),
Transformers reuse its key/value cache (--no-share runs every request
whole, for comparison; the log-likelihoods agree to float rounding).
--batch-size is the number of sequences per forward pass: whole requests,
or choices continued together (default 16). --precision runs under autocast semantics as
forward does. --bootstrap-iters (default 100000, lm-eval's) sets the
bootstrap of LAMBADA's perplexity stderr; 0 skips it.

--device cuda scores on an NVIDIA GPU (models/cuda): every request runs
whole through the GPU model's forward pass under --precision (a precision
the GPU backend lacks for the model is an error; an adapter is merged into
the base weights first); shared-context scoring is CPU-only, so it is off
there. Without a GPU it is one error line. The results add config.device,
naming the GPU.

Example:
  ssmlab eval --model mamba-130m-hf --tasks arc_easy,hellaswag --num-fewshot 0 \
    --data benchmarks --precision bf16 --output results/mamba-130m.json --log-samples`,
}

type evalOpts struct {
	model, adapter, tasks, data, output, tok string
	device                                   string
	k, limit, batch, maxLen, boot            int
	deviceDesc                               string // the GPU, for the results' config
	logSamples, noShare                      bool
	pol                                      precision.Policy
}

func init() {
	f := &cmdEval.Flag
	var o evalOpts
	f.StringVar(&o.model, "model", "", "HF model `DIR`")
	f.StringVar(&o.adapter, "adapter", "", "PEFT LoRA adapter `DIR`")
	f.StringVar(&o.tasks, "tasks", "", "comma-separated task or group `names`")
	f.StringVar(&o.data, "data", "", "`DIR` holding one folder per task")
	f.StringVar(&o.output, "output", "", "results `FILE.json`")
	f.StringVar(&o.tok, "tokenizer", "", "tokenizer.json `FILE` (default: the model's)")
	f.IntVar(&o.k, "num-fewshot", 0, "`K` shots per prompt")
	f.IntVar(&o.limit, "limit", 0, "only the first `N` documents of each task (0: all)")
	f.IntVar(&o.batch, "batch-size", 16, "`N` sequences per forward pass")
	f.IntVar(&o.maxLen, "max-length", 2048, "`N` positions the model reads")
	f.IntVar(&o.boot, "bootstrap-iters", 100000, "`N` bootstrap replicates for perplexity's stderr")
	f.BoolVar(&o.logSamples, "log-samples", false, "also write per-document samples JSONL")
	f.BoolVar(&o.noShare, "no-share", false, "run every request whole (no shared context)")
	f.StringVar(&o.device, "device", "cpu", "score on `cpu` or cuda (an NVIDIA GPU)")
	prec := f.String("precision", "fp32", "fp32, fp16 or bf16 (autocast semantics)")
	cmdEval.Run = func(_ *Command, args []string) error {
		switch {
		case len(args) > 0:
			return usagef("eval takes no positional arguments (got %q); did you mean 'eval requests'?", args[0])
		case o.model == "" || o.tasks == "" || o.data == "" || o.output == "":
			return usagef("--model, --tasks, --data and --output are required")
		case o.k < 0 || o.limit < 0 || o.batch < 1 || o.maxLen < 1 || o.boot < 0:
			return usagef("--num-fewshot, --limit and --bootstrap-iters must be >= 0, --batch-size and --max-length >= 1")
		}
		dt, err := precision.ParseDType(*prec)
		if err != nil {
			return usagef("--precision: %v", err)
		}
		o.pol = precision.Policy{Compute: dt}
		if o.device != "cpu" && o.device != "cuda" {
			return usagef("--device %q: want cpu or cuda", o.device)
		}
		return runEval(o)
	}
	register(cmdEval)
}

// evalTask is one leaf task loaded and scored.
type evalTask struct {
	spec   *benchmarks.Spec
	task   *lmeval.Task
	total  int // docs before --limit
	reqs   []lmeval.Request
	lls    []benchmarks.LL
	scores *benchmarks.Scores
}

func runEval(o evalOpts) error {
	leaves, groups, err := expandTasks(o.tasks)
	if err != nil {
		return err
	}
	var gpu *cuda.Device
	if o.device == "cuda" { // before anything is loaded: no GPU is one line
		if gpu, err = cuda.Open(); err != nil {
			return fmt.Errorf("--device cuda: %v", err)
		}
		o.noShare, o.deviceDesc = true, "cuda: "+gpu.String()
	}
	// data first: a missing file should not wait for a model to load
	var tasks []*evalTask
	for _, name := range leaves {
		spec, _ := benchmarks.Lookup(name)
		dir, err := spec.Locate(o.data)
		if err != nil {
			return err
		}
		t, err := spec.Load(dir, o.k)
		if err != nil {
			return err
		}
		_, docs, _ := t.Eval()
		lim, err := benchmarks.Limit(t, o.limit)
		if err != nil {
			return err
		}
		tasks = append(tasks, &evalTask{spec: spec, task: lim, total: len(docs)})
	}
	tokPath := o.tok
	if tokPath == "" {
		tokPath = filepath.Join(o.model, "tokenizer.json")
	}
	tok, err := tokenizer.Load(tokPath)
	if err != nil {
		return fmt.Errorf("tokenizer: %v (give --tokenizer FILE if the model directory has none)", err)
	}
	m, err := hf.Load(o.model)
	if err != nil {
		return err
	}
	var adapters *lora.Adapters
	if o.adapter != "" {
		if adapters, err = lora.Load(m, o.adapter); err != nil {
			return err
		}
	}
	inferenceOnly(modelParams(m)) // scoring never runs Backward
	if tok.VocabSize() > m.VocabSize() {
		return fmt.Errorf("%s: the tokenizer has %d ids but the model %s only %d logits", tokPath, tok.VocabSize(), o.model, m.VocabSize())
	}
	scorer := m
	if gpu != nil {
		ds, free, err := evalOnGPU(gpu, m, adapters, o.pol)
		if err != nil {
			return err
		}
		defer free()
		scorer = ds
	}
	start := time.Now()
	for _, et := range tasks {
		if err := scoreTask(scorer, tok, o, et); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "eval: %s: %d documents, %d requests (%.1fs so far)\n", et.spec.Name, et.scores.N, len(et.reqs), time.Since(start).Seconds())
	}
	res := evalResults(o, tasks, groups)
	if o.logSamples {
		for _, et := range tasks {
			if err := writeSamples(samplesPath(o.output, et.spec.Name), et); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return fsx.WriteFileAtomic(o.output, append(b, '\n'))
}

// expandTasks splits the --tasks list into leaf tasks (groups expanded,
// duplicates dropped) and the groups named.
func expandTasks(list string) (leaves, groups []string, err error) {
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		names := []string{name}
		if sub := benchmarks.GroupTasks(name); sub != nil {
			names = sub
			groups = append(groups, name)
		} else if _, err := benchmarks.Lookup(name); err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				leaves = append(leaves, n)
			}
		}
	}
	if len(leaves) == 0 {
		return nil, nil, usagef("--tasks names no task")
	}
	return leaves, groups, nil
}

func scoreTask(m lm.Model, tok tokenizer.Tokenizer, o evalOpts, et *evalTask) error {
	reqs, err := et.task.Requests(o.k)
	if err != nil {
		return err
	}
	pairs := make([]score.Pair, len(reqs))
	for i, r := range reqs {
		ctx, cont := lmeval.EncodePair(tok, r.Context, r.Continuation)
		pairs[i] = score.Pair{Ctx: ctx, Cont: cont}
	}
	res, err := score.Score(m, score.Options{Policy: o.pol, MaxLen: o.maxLen, Batch: o.batch, Share: !o.noShare}, pairs)
	if ds, ok := m.(*deviceScorer); ok && err == nil && ds.Err() != nil {
		err = fmt.Errorf("--device cuda: %v", ds.Err())
	}
	if err != nil {
		return fmt.Errorf("task %s: %v", et.spec.Name, err)
	}
	et.reqs = reqs
	et.lls = make([]benchmarks.LL, len(res))
	for i, r := range res {
		et.lls[i] = benchmarks.LL{LL: r.LL, Greedy: r.Greedy}
	}
	et.scores, err = et.spec.Score(et.task, reqs, et.lls, o.boot)
	return err
}

// jsonNum is a metric value, or lm-eval's "N/A" where it has none.
func jsonNum(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "N/A"
	}
	return v
}

func evalResults(o evalOpts, tasks []*evalTask, groups []string) map[string]any {
	results, configs, versions, nshot, hib, nsamples, subtasks := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	byName := map[string]*evalTask{}
	for _, et := range tasks {
		s := et.spec
		byName[s.Name] = et
		r := map[string]any{"alias": s.Name}
		hb := map[string]bool{}
		for _, mname := range s.Metrics {
			r[mname+",none"] = jsonNum(et.scores.Value[mname])
			r[mname+"_stderr,none"] = jsonNum(et.scores.Stderr[mname])
			hb[mname] = mname != "perplexity"
		}
		r["sample_len"] = et.scores.N
		results[s.Name] = r
		hib[s.Name] = hb
		versions[s.Name] = s.Version
		nshot[s.Name] = o.k
		nsamples[s.Name] = map[string]int{"original": et.total, "effective": et.scores.N}
		subtasks[s.Name] = []string{}
		configs[s.Name] = taskConfig(s, o.k)
	}
	groupRes := map[string]any{}
	for _, g := range groups {
		var leaves []*benchmarks.Scores
		names := benchmarks.GroupTasks(g)
		for _, n := range names {
			leaves = append(leaves, byName[n].scores)
		}
		v, se, n := benchmarks.Group("acc", leaves)
		r := map[string]any{"alias": g, "acc,none": jsonNum(v), "acc_stderr,none": jsonNum(se), "sample_len": n}
		results[g], groupRes[g] = r, r
		subtasks[g] = names
		versions[g] = 2.0
	}
	rev := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	modelArgs := "pretrained=" + o.model
	if o.adapter != "" {
		modelArgs += ",peft=" + o.adapter
	}
	modelArgs += ",dtype=" + o.pol.String()
	limit := any(nil)
	if o.limit > 0 {
		limit = o.limit
	}
	cfg := map[string]any{
		"model": "ssmlab", "model_args": modelArgs, "batch_size": o.batch, "limit": limit,
		"max_length": o.maxLen, "shared_context": !o.noShare, "bootstrap_iters": o.boot,
		"random_seed": 0, "numpy_seed": 1234, "torch_seed": 1234, "fewshot_seed": 1234,
	}
	if o.deviceDesc != "" {
		cfg["device"] = o.deviceDesc
	}
	return map[string]any{
		"results": results, "groups": groupRes, "group_subtasks": subtasks, "configs": configs,
		"versions": versions, "n-shot": nshot, "higher_is_better": hib, "n-samples": nsamples,
		"config":   cfg,
		"git_hash": rev, "date": float64(time.Now().Unix()), "ssmlab_version": rev,
	}
}

// taskConfig is the part of lm-eval's task config that decides the prompts.
func taskConfig(s *benchmarks.Spec, k int) map[string]any {
	out := map[lmeval.Output]string{lmeval.MultipleChoice: "multiple_choice", lmeval.MultipleInput: "multiple_choice", lmeval.Loglikelihood: "loglikelihood"}[s.Output]
	var metrics []map[string]any
	for _, m := range s.Metrics {
		agg := "mean"
		if m == "perplexity" {
			agg = "perplexity"
		}
		metrics = append(metrics, map[string]any{"metric": m, "aggregation": agg, "higher_is_better": m != "perplexity"})
	}
	sampler := "default"
	if s.FirstN {
		sampler = "first_n"
	}
	return map[string]any{
		"task": s.Name, "dataset_path": s.Repo, "dataset_name": s.Config, "output_type": out,
		"eval_split": s.Eval, "fewshot_split": s.Fewshot, "fewshot_config": map[string]string{"sampler": sampler},
		"description": s.Desc, "target_delimiter": s.TargetDelimiter(), "fewshot_delimiter": "\n\n",
		"num_fewshot": k, "metric_list": metrics, "metadata": map[string]float64{"version": s.Version},
	}
}

// samplesPath is FILE_samples_<task>.jsonl beside the results FILE.json.
func samplesPath(output, task string) string {
	return strings.TrimSuffix(output, filepath.Ext(output)) + "_samples_" + task + ".jsonl"
}

func writeSamples(path string, et *evalTask) error {
	_, docs, _ := et.task.Eval()
	type sample struct {
		DocID     int                `json:"doc_id"`
		Target    any                `json:"target"`
		Arguments [][2]string        `json:"arguments"`
		Resps     [][2]any           `json:"resps"`
		Metrics   map[string]float64 `json:"metrics"`
	}
	out := make([]sample, len(docs))
	for i, d := range docs {
		out[i] = sample{DocID: i, Target: d.Gold, Metrics: et.scores.PerDoc[i]}
		if et.task.Output == lmeval.Loglikelihood {
			out[i].Target = d.Choices[0]
		}
	}
	for i, r := range et.reqs {
		s := &out[r.Doc]
		s.Arguments = append(s.Arguments, [2]string{r.Context, r.Continuation})
		s.Resps = append(s.Resps, [2]any{et.lls[i].LL, et.lls[i].Greedy})
	}
	return fsx.WriteAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for _, s := range out {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}
