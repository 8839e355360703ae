package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/plots/report"
)

var cmdReproduce = &Command{
	Name:  "reproduce",
	Usage: "reproduce [--profile quick|default|full|gpu] [--configs DIR] [--results DIR] [--paper DIR] [--force] [--set key=value]...",
	Short: "run every experiment in configs/, then rebuild figures and report",
	Long: `Reproduce runs every experiment file directly in the configs directory
(configs/*.toml; presets live in its subdirectories) under one profile, in
file name order, as 'ssmlab run' would: finished trials are skipped,
interrupted ones resume, and shared artifacts (pretrained bases) are built
once for all experiments. All files are loaded and checked before anything
runs. Then it rebuilds paper/ (figures, tables, REPORT.md) from results/
as 'ssmlab figures' does.

Profiles: quick is the CI-sized run (minutes), default the embedded CPU
scale, full the large one. gpu is opt-in: it runs only the experiment
files that define [profile.gpu] (efficiency: Fig. 2 on an NVIDIA GPU at
the paper's sizes) and skips the others. Results of different profiles
differ in config, so they go to different --results directories, or
--force replaces them.
Without --paper, the default profile rebuilds paper/ and any other profile
writes into <results>/paper, so a quick run never overwrites the committed
report with CI-sized numbers. --set key=value overrides a setting in every
experiment file, as run's does.

Example:
  ssmlab reproduce --profile quick --results results/quick
  ssmlab reproduce --profile gpu --results results/gpu`,
}

var (
	reproProfile = cmdReproduce.Flag.String("profile", "default", "profile: quick, default, full or gpu")
	reproConfigs = cmdReproduce.Flag.String("configs", "configs", "directory of experiment files")
	reproResults = cmdReproduce.Flag.String("results", "results", "results directory")
	reproPaper   = cmdReproduce.Flag.String("paper", "", "where figures, tables and REPORT.md go (default: paper for the default profile, <results>/paper otherwise)")
	reproForce   = cmdReproduce.Flag.Bool("force", false, "rerun every trial from scratch, replacing results")
	reproSets    = setFlag(&cmdReproduce.Flag)
)

func init() {
	cmdReproduce.Run = runReproduce
	register(cmdReproduce)
}

func runReproduce(_ *Command, args []string) error {
	if len(args) > 0 {
		return usagef("reproduce takes no arguments")
	}
	suite, err := experiments.LoadSuite(*reproConfigs, *reproProfile, *reproSets...)
	if err != nil {
		return err
	}
	if len(suite) == 0 {
		return fmt.Errorf("%s: no experiment files (*.toml with a kind)", *reproConfigs)
	}
	paper := paperDir(*reproPaper, *reproProfile, *reproResults)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	elsewhere := 0
	total := 0
	for _, e := range suite {
		total += len(e.Trials)
	}
	overall := experiments.NewTracker("reproduce", total)
	for _, e := range suite {
		fmt.Fprintf(stderr, "reproduce: %s (%s, %d trials, profile %s)\n", e.Name, e.File, len(e.Trials), *reproProfile)
		rep, err := experiments.Run(ctx, e, experiments.Options{Results: *reproResults, Force: *reproForce, Stderr: stderr, Overall: overall})
		if err != nil && !strings.HasPrefix(err.Error(), e.File+":") {
			err = fmt.Errorf("%s: %w", e.File, err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, describeReport(rep, ""))
		elsewhere += rep.Elsewhere
	}
	if elsewhere > 0 {
		return fmt.Errorf("%d trials are being run by another process; run reproduce again once they finish to build %s/", elsewhere, paper)
	}
	if err := report.Build(*reproResults, paper); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	fmt.Fprintf(stdout, "figures, tables and report in %s/\n", paper)
	return nil
}

// paperDir is where reproduce writes the report: --paper if given, else
// paper/ for the default profile and <results>/paper for the others.
func paperDir(flag, profile, results string) string {
	switch {
	case flag != "":
		return flag
	case profile == "default":
		return "paper"
	}
	return filepath.Join(results, "paper")
}
