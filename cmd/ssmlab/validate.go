package main

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
)

var cmdValidate = &Command{
	Name:  "validate",
	Usage: "validate [--profile P] [--keys] [--print] [--gflops R] [--set key=value]... FILE.toml...",
	Short: "check experiment files and presets without running anything",
	Long: `Validate strict-loads each file the way run would: includes, defaults,
the profile, every [sweep] point expanded into a trial and checked by its
kind. It runs nothing and writes nothing. A file without a kind is a preset:
it is checked on its own. Every profile (quick, default, full) is checked
unless --profile names one; gpu, an opt-in profile, is checked for the
files that define [profile.gpu] (efficiency).

Each good file prints one line (experiment, kind, trial counts); each bad one
prints one error line naming the file, the line and the problem, e.g.

  configs/x.toml:12: unknown key "lerning_rate" in [train] (did you mean learning_rate?)

and the exit status is 1. The schema is documented in experiments/SCHEMA.md.

Models are checked from their sizes (or a checkpoint's config.json and its
weights files' headers) without being built, so any size answers at once:
sizes beyond 2^34 parameters, and trials whose estimated memory (model,
gradients, optimizer state, a step's activations) exceeds this machine's
available memory, are errors. SSMLAB_MEMORY=64GB (or unlimited) overrides
the available memory.

Local files a file names (checkpoint directories, datasets, tokenizers) are
looked for too. Missing ones do not make a file invalid (the configs are
checked as written, so CI validates configs/paper without the real
checkpoints); they are listed under the file's line, each with the
huggingface-cli command that downloads it when the model or dataset names
its Hub source, and ssmlab run refuses such a file before doing any work.

For an experiment on checkpoints (configs/paper), each trial of the
default profile (or of --profile) gets a line with its estimated peak
memory (the architecture's footprint from the checkpoint's config.json) and
time on this machine: FLOPs per token (as ssmlab bench counts them) times
the tokens of every pass the trial runs (fine-tuning steps; evaluation
requests measured by building and tokenizing lm-eval's prompts for the first
documents of each task), divided by a FLOP rate: a float32 matrix product
timed once (about 0.1 s), or --gflops (e.g. ssmlab bench's gflops for the
model). A trial whose files are missing says which file each estimate needs.

--set key=value (repeatable) overrides a setting as run would, the value
in TOML (--set eval.shots=[0,1] --set train.steps=200); it is checked like
a line of the file and beats the file, its includes and every profile.
--print shows the merged config of each file under --profile (default:
default), one key per line with where its value came from: default,
include, file, profile or command line.

Example:
  ssmlab validate configs/*.toml configs/models/*.toml
  ssmlab validate --keys --profile quick configs/mp_inference.toml
  ssmlab validate --print --profile quick --set eval.shots=[0,1] configs/icl_scale.toml`,
}

var (
	validateProfile = cmdValidate.Flag.String("profile", "", "check only this profile (quick, default, full or gpu)")
	validateKeys    = cmdValidate.Flag.Bool("keys", false, "list the trial keys of each experiment")
	validatePrint   = cmdValidate.Flag.Bool("print", false, "print the merged config with the source of each value")
	validateSets    = setFlag(&cmdValidate.Flag)
	validateGflops  = cmdValidate.Flag.Float64("gflops", 0, "FLOP rate in `GFLOP/s` the time estimates divide by (0: time a matrix product once)")
)

func init() {
	cmdValidate.Run = runValidate
	register(cmdValidate)
}

func runValidate(_ *Command, files []string) error {
	if len(files) == 0 {
		return usagef("name at least one .toml file")
	}
	if g := *validateGflops; !(g >= 0) || math.IsInf(g, 0) {
		return usagef("--gflops must be a positive number of GFLOP/s (0: time a matrix product), not %v", g)
	}
	profiles := config.Profiles
	if *validateProfile != "" {
		profiles = []string{*validateProfile}
	}
	if *validatePrint {
		return printResolved(files, *validateProfile, *validateSets)
	}
	if len(files) == 1 {
		line, keys, err := validateFile(files[0], profiles)
		if err == nil {
			fmt.Fprintln(stdout, line)
			for _, k := range keys {
				fmt.Fprintln(stdout, "  "+k)
			}
		}
		return err
	}
	bad := 0
	for _, f := range files {
		line, keys, err := validateFile(f, profiles)
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			continue
		}
		fmt.Fprintln(stdout, line)
		for _, k := range keys {
			fmt.Fprintln(stdout, "  "+k)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files have errors", bad, len(files))
	}
	return nil
}

// validateFile loads f under each profile and describes it in one line,
// followed by the local files it names that are missing (under any of the
// profiles).
func validateFile(f string, profiles []string) (string, []string, error) {
	line, keys, missing, est, err := validateProfiles(f, profiles)
	if err != nil {
		return line, keys, err
	}
	if len(missing) > 0 {
		line += fmt.Sprintf("; %d local file(s) missing (ssmlab run refuses until they exist):", len(missing))
		for _, m := range missing {
			line += "\n  " + m
		}
	}
	for _, l := range est {
		line += "\n  " + l
	}
	return line, keys, nil
}

// validateProfiles also returns the estimates of the trials under the
// default profile (or the first one checked) for experiments on
// checkpoints.
func validateProfiles(f string, profiles []string) (string, []string, []string, []string, error) {
	var counts []string
	var keys []string
	seen := map[string]bool{}
	var missing, est []string
	estProfile := profiles[0]
	if slices.Contains(profiles, "default") {
		estProfile = "default"
	}
	for i, p := range profiles {
		e, miss, err := experiments.LoadAllowMissing(f, p, *validateSets...)
		for _, m := range miss {
			if s := m.String(); !seen[s] {
				seen[s] = true
				missing = append(missing, s)
			}
		}
		if err != nil {
			if i > 0 {
				return "", nil, nil, nil, fmt.Errorf("%v (profile %s)", err, p)
			}
			return "", nil, nil, nil, err
		}
		if e.Preset {
			line := fmt.Sprintf("%s: ok, preset", f)
			for _, o := range e.Outside {
				line += "\n  note: " + o
			}
			return line, nil, nil, nil, nil
		}
		if e.ProfileMissing { // an opt-in profile (gpu) this file does not define
			if len(profiles) == 1 {
				return "", nil, nil, nil, experiments.ProfileMissingError(e)
			}
		} else {
			if p == estProfile {
				est = estimateLines(e, p)
			}
			counts = append(counts, fmt.Sprintf("%s %d", p, len(e.Trials)))
			if len(keys) == 0 || p == "default" {
				keys = keys[:0]
				for _, t := range e.Trials {
					keys = append(keys, t.Key)
				}
			}
		}
		if i == len(profiles)-1 {
			line := fmt.Sprintf("%s: ok, experiment %s (kind %s), trials: %s", f, e.Name, e.Kind, strings.Join(counts, ", "))
			for _, o := range e.Outside {
				line += "\n  note: " + o
			}
			if !*validateKeys {
				keys = nil
			}
			sort.Strings(missing)
			return line, keys, missing, est, nil
		}
	}
	return "", nil, nil, nil, nil
}

// printResolved prints the merged config of each file, one key per line
// in TOML with its source as a comment.
func printResolved(files []string, profile string, sets []string) error {
	if profile == "" {
		profile = "default"
	}
	for i, f := range files {
		// files the config names need not exist to show what it says
		e, missing, err := experiments.LoadAllowMissing(f, profile, sets...)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "# %s, profile %s\n", f, profile)
		width := 0
		for _, v := range e.Values {
			width = max(width, len(v.Key)+3+len(v.TOML))
		}
		width = min(width, 60)
		for _, v := range e.Values {
			line := v.Key + " = " + v.TOML
			fmt.Fprintf(stdout, "%-*s  # %s\n", width, line, v.Source)
		}
		for _, m := range missing {
			fmt.Fprintf(stdout, "# missing (ssmlab run refuses until it exists): %s\n", m)
		}
	}
	return nil
}

// setFlag adds the repeatable --set key=value flag to fs.
func setFlag(fs *flag.FlagSet) *setsValue {
	v := new(setsValue)
	fs.Var(v, "set", "override a setting, `key=value` with a TOML value (repeatable)")
	return v
}

// setsValue collects --set flags. Setting "" (the default, which the
// command line resets flags to before each parse) empties it.
type setsValue []string

func (s *setsValue) String() string { return "" }

func (s *setsValue) Set(v string) error {
	if v == "" {
		*s = nil
		return nil
	}
	*s = append(*s, v)
	return nil
}
