package main

import (
	"bufio"
	"encoding/json"

	"github.com/ssmlab/ssmlab/datasets/benchmarks"
)

var cmdEvalRequests = &Command{
	Name:  "eval requests",
	Usage: "eval requests --task T --data PATH [--num-fewshot K] [--limit N]",
	Short: "print the (context, continuation) pairs lm-eval scores for a task",
	Long: `Eval requests builds the log-likelihood requests of one lm-evaluation-harness
task from its data and prints one JSON object per document, in document order:

  {"doc_id": i, "requests": [[context, continuation], ...], "gold": g}

exactly the pairs lm-eval scores (what its --log_samples lists as
"arguments"); gold is the index of the right request, null for
lambada_openai. It runs no model.

Tasks: arc_easy, arc_challenge, hellaswag, piqa, winogrande, lambada_openai,
openbookqa and mmlu_<subject> (57 subjects, e.g. mmlu_college_physics), with
lm-eval's templates, splits and few-shot samplers (docs/metrics.md, lm-eval
benchmarks).

Reads:
  --data PATH      a Parquet file, an Arrow stream file (HF datasets cache)
                   or a folder holding the task's splits: hub Parquet shards,
                   the Hub's refs/convert/parquet <config>/<split>/0000.parquet,
                   an HF cache folder, or a save_to_disk folder. The split
                   scored is lm-eval's (test for ARC, OBQA, LAMBADA, MMLU;
                   validation for HellaSwag, PIQA, WinoGrande); a path holding
                   one split is scored whatever its name. With --num-fewshot
                   the shot split (train; MMLU dev) must be there too, or,
                   for a single file, next to it.
  --num-fewshot K  shots per prompt (default 0)
  --limit N        only the first N documents (their shots are those of the
                   full run)

Example:
  ssmlab eval requests --task hellaswag --data data/hellaswag --num-fewshot 5 --limit 2`,
}

func init() {
	f := &cmdEvalRequests.Flag
	task := f.String("task", "", "lm-eval task `name`")
	data := f.String("data", "", "task data `PATH` (file or folder)")
	k := f.Int("num-fewshot", 0, "`K` shots per prompt")
	limit := f.Int("limit", 0, "only the first `N` documents (0: all)")
	cmdEvalRequests.Run = func(_ *Command, args []string) error {
		switch {
		case len(args) > 0:
			return usagef("eval requests takes no positional arguments (got %q)", args[0])
		case *task == "" || *data == "":
			return usagef("--task and --data are required")
		case *k < 0 || *limit < 0:
			return usagef("--num-fewshot and --limit must be >= 0")
		}
		spec, err := benchmarks.Lookup(*task)
		if err != nil {
			return err
		}
		t, err := spec.Load(*data, *k)
		if err != nil {
			return err
		}
		docs, err := benchmarks.Requests(t, *k, *limit)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(stdout)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, d := range docs {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	register(cmdEvalRequests)
}
