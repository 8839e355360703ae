package main

import (
	"fmt"

	"github.com/ssmlab/ssmlab/plots/report"
)

var cmdFigures = &Command{
	Name:  "figures",
	Usage: "figures [--results DIR] [--paper DIR]",
	Short: "rebuild paper/ (figures, tables, REPORT.md) from results/ only",
	Long: `Figures rebuilds the reproduction's figures (paper/figures/*.svg and
*.png), tables (paper/tables/*.md and *.tex) and paper/REPORT.md from the
finished trials under results/, running no model. REPORT.md sets every
claim of the paper beside the number measured here, the setting, and
whether it reproduces; experiments without results are listed as not run.

Example:
  ssmlab figures --results results/quick --paper paper`,
}

var (
	figResults = cmdFigures.Flag.String("results", "results", "results directory to read")
	figPaper   = cmdFigures.Flag.String("paper", "paper", "directory to write figures/, tables/ and REPORT.md into")
)

func init() {
	cmdFigures.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("figures takes no arguments")
		}
		if err := report.Build(*figResults, *figPaper); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "figures, tables and report in %s/\n", *figPaper)
		return nil
	}
	register(cmdFigures)
}
