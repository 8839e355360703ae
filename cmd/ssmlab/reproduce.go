package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/plots/report"
)

var cmdReproduce = &Command{
	Name:  "reproduce",
	Usage: "reproduce [--profile quick|default|full] [--configs DIR] [--results DIR] [--paper DIR] [--force]",
	Short: "run every experiment in configs/, then rebuild figures and report",
	Long: `Reproduce runs every experiment file directly in the configs directory
(configs/*.toml; presets live in its subdirectories) under one profile, in
file name order, as 'ssmlab run' would: finished trials are skipped,
interrupted ones resume, and shared artifacts (pretrained bases) are built
once for all experiments. All files are loaded and checked before anything
runs. Then it rebuilds paper/ (figures, tables, REPORT.md) from results/
as 'ssmlab figures' does.

Profiles: quick is the CI-sized run (minutes), default the embedded CPU
scale, full the large one. Results of different profiles differ in config,
so they go to different --results directories, or --force replaces them.

Example:
  ssmlab reproduce --profile quick --results results/quick`,
}

var (
	reproProfile = cmdReproduce.Flag.String("profile", "default", "profile: quick, default or full")
	reproConfigs = cmdReproduce.Flag.String("configs", "configs", "directory of experiment files")
	reproResults = cmdReproduce.Flag.String("results", "results", "results directory")
	reproPaper   = cmdReproduce.Flag.String("paper", "paper", "where figures, tables and REPORT.md go")
	reproForce   = cmdReproduce.Flag.Bool("force", false, "rerun every trial from scratch, replacing results")
)

func init() {
	cmdReproduce.Run = runReproduce
	register(cmdReproduce)
}

func runReproduce(_ *Command, args []string) error {
	if len(args) > 0 {
		return usagef("reproduce takes no arguments")
	}
	suite, err := experiments.LoadSuite(*reproConfigs, *reproProfile)
	if err != nil {
		return err
	}
	if len(suite) == 0 {
		return fmt.Errorf("%s: no experiment files (*.toml with a kind)", *reproConfigs)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, e := range suite {
		fmt.Fprintf(stderr, "reproduce: %s (%s, %d trials, profile %s)\n", e.Name, e.File, len(e.Trials), *reproProfile)
		rep, err := experiments.Run(ctx, e, experiments.Options{Results: *reproResults, Force: *reproForce, Stderr: stderr})
		if rep != nil {
			fmt.Fprintln(stdout, describeReport(rep, ""))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e.File, err)
		}
	}
	if err := report.Build(*reproResults, *reproPaper); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	fmt.Fprintf(stdout, "figures, tables and report in %s/\n", *reproPaper)
	return nil
}
