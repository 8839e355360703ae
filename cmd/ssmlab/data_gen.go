package main

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/ssmlab/ssmlab/datasets/suite"
)

var cmdDataGen = &Command{
	Name:  "data gen",
	Usage: "data gen --out DIR [--seed S] [--profile quick|default|full]",
	Short: "generate the built-in task suite as Arrow files",
	Long: `Data gen writes the built-in suite (datasets/SUITE.md) under DIR as Arrow IPC
stream files, each written atomically, plus DIR/manifest.json (seed, profile,
sizes, families with their chance and oracle accuracies, sha256 of every
file). The same seed and profile always give the same bytes.

Layout:
  pretrain/{train,validation}.arrow   text, family, function: documents of
                                      "in -> out" demonstrations
  lm/{train,validation}.arrow         input_ids: the same documents, byte
                                      tokenized, EOS-separated, packed
  mc/<family>/{train,test}.arrow      task, question, choices, answer: one
                                      task per held-out function
  instruct/{train,validation}.arrow   instruction, input, output, family, function
  mqar/{train,test}.arrow             input_ids, labels (-100 = no target)
  regression/{train,test}.arrow       x, y (in-context linear regression)

Profiles set the sizes: quick (CI, seconds), default, full.

Example:
  ssmlab data gen --out data/suite --seed 0 --profile quick`,
}

func init() {
	out := cmdDataGen.Flag.String("out", "", "write the suite under `DIR`")
	seed := cmdDataGen.Flag.String("seed", "0", "random seed (a non-negative integer)")
	profile := cmdDataGen.Flag.String("profile", "default", "sizes: quick, default or full")
	cmdDataGen.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("data gen takes no arguments")
		}
		if *out == "" {
			return usagef("--out DIR is required")
		}
		s, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return usagef("--seed %q is not a non-negative integer", *seed)
		}
		p, err := suite.ProfileNamed(*profile)
		if err != nil {
			return usagef("--profile: %v", err)
		}
		st, err := suite.Generate(s, p)
		if err != nil {
			return err
		}
		if err := st.Write(*out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the %s suite (seed %d) to %s\n", p.Name, s, *out)
		fmt.Fprintf(stdout, "%-8s %6s %9s  oracle acc at k shots (chance %.2f)\n", "family", "tasks", "test docs", suite.ChanceAcc)
		for _, f := range st.Families {
			fmt.Fprintf(stdout, "%-8s %6d %9d ", f.Name, len(f.Tasks), len(f.Tasks)*p.TestDocs)
			ks := make([]int, 0, len(f.Oracle))
			for k := range f.Oracle {
				ks = append(ks, k)
			}
			sort.Ints(ks)
			for _, k := range ks {
				fmt.Fprintf(stdout, "  k=%d %.2f", k, f.Oracle[k])
			}
			fmt.Fprintln(stdout)
		}
		return nil
	}
	register(cmdDataGen)
}
