package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/ssmlab/ssmlab/experiments"
)

var cmdRun = &Command{
	Name:  "run",
	Usage: "run FILE.toml [--shard i/n] [--force] [--profile P] [--results DIR] [--set key=value]...",
	Short: "run an experiment's trials into results/, resuming where it stopped",
	Long: `Run loads an experiment file (as validate does), expands its sweep into
trials and runs each into results/runs/<experiment>/<trial-key>/: the
resolved config (config.json, with its hash), provenance.json, log.jsonl,
summary.json, checkpoints/ and, written last, DONE. An experiment whose
local files (checkpoint directories, datasets, tokenizers) are not all on
disk is refused before anything runs, each missing file listed with its
download command (configs/paper/paths.toml names them for the paper's
experiments).

A trial with DONE is skipped, so a second run is a no-op. A trial without
it (the run was killed or interrupted) resumes from its latest checkpoint
and ends with the same files as an uninterrupted run. A trial directory made
by a different config is refused with the settings that changed; --force
reruns the selected trials from scratch, replacing what is there.

A process holds a trial's lock (.<trial-key>.lock beside it) while it runs
it: another run of the same config skips that trial ("running elsewhere (pid
N on host H)") instead of running it twice; a lock left by a dead process is
taken over, and the temporary files of the killed run are removed. Result
files are never written through a symbolic link planted in the results
folder (the folder itself may be one).

Shared artifacts such as pretrained base models go to results/artifacts/,
keyed by a hash of what produced them (the spec, and the SHA-256 of every
input file: a model given by path, a dataset, a tokenizer), and are built
once for every trial, experiment and shard that needs them. Input files
whose size and mtime changed are hashed again, so replacing a model's files
at the same path never reuses results of the old ones. --force also hashes
every input and every artifact file the selected trials use again, and
rebuilds any artifact whose files were deleted, truncated or changed.

Before building a model, run estimates from the config alone the memory of
the model, its gradients and optimizer state and a step's activations, and
refuses (one line, nothing allocated) what exceeds the available memory
(Linux MemAvailable); set SSMLAB_MEMORY=64GB, or SSMLAB_MEMORY=unlimited,
where the estimate is wrong for the machine. Validate applies the same
check.

device = "cuda" (the gpu profile of configs/efficiency.toml sets it) runs
the trials on an NVIDIA GPU where the kind supports it (efficiency: Fig. 2);
other kinds refuse it, and a machine without a GPU fails, in one line
before anything is written. The GPU trials' keys end in _device=cuda and
their provenance names the GPU, driver and library versions.

--shard i/n runs the trials whose index in the sweep is i modulo n (0 <= i
< n), so n processes (a Slurm job array, a Kubernetes Indexed Job) split a
sweep; their trial directories merge by key, with no merge step. Progress
goes to stderr; the last line on stdout says where the results are.
Ctrl-C (or SIGTERM) stops at the next step; run again to resume.

--set key=value (repeatable) overrides one setting, the value in TOML
(--set eval.shots=[0,1] --set train.steps=200 --set precision="bf16");
it is checked like a line of the file and beats the file, its includes and
every profile. 'ssmlab validate --print' shows the result.

Example:
  ssmlab run configs/mp_inference.toml
  ssmlab run configs/mp_inference.toml --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT
  ssmlab run configs/icl_scale.toml --set eval.shots=[0,1] --set train.steps=200`,
}

var (
	runShard   = cmdRun.Flag.String("shard", "", "run only trials with index % n == i (format i/n)")
	runForce   = cmdRun.Flag.Bool("force", false, "rerun the selected trials from scratch, replacing their results")
	runProfile = cmdRun.Flag.String("profile", "default", "profile: quick, default, full or gpu (for the files that define [profile.gpu])")
	runResults = cmdRun.Flag.String("results", "results", "results directory")
	runSets    = setFlag(&cmdRun.Flag)
)

func init() {
	cmdRun.Run = runRun
	register(cmdRun)
}

func runRun(_ *Command, args []string) error {
	if len(args) != 1 {
		return usagef("run takes one experiment file")
	}
	shard, shards, err := parseShard(*runShard)
	if err != nil {
		return usagef("%v", err)
	}
	e, err := experiments.Load(args[0], *runProfile, *runSets...)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := experiments.Run(ctx, e, experiments.Options{
		Results: *runResults, Shard: shard, Shards: shards, Force: *runForce, Stderr: stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, describeReport(rep, *runShard))
	return nil
}

func describeReport(rep *experiments.Report, shard string) string {
	scope := fmt.Sprintf("%d trials", rep.Total)
	if shard != "" {
		scope = fmt.Sprintf("%d of %d trials (shard %s)", rep.Selected, rep.Total, shard)
	}
	elsewhere := ""
	if rep.Elsewhere > 0 {
		elsewhere = fmt.Sprintf(", %d running elsewhere (skipped)", rep.Elsewhere)
	}
	return fmt.Sprintf("%s: %s, %d ran, %d already done%s; results in %s/", rep.Experiment, scope, rep.Ran, rep.Skipped, elsewhere, rep.Dir)
}

// parseShard reads "i/n"; "" means the whole sweep.
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}
