package main

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

var cmdDataInfo = &Command{
	Name:  "data info",
	Usage: "data info PATH",
	Short: "show how a dataset path is read: layout, splits, files, rows, columns",
	Long: `Data info finds the dataset at PATH as data cat does (a file, an HF
save_to_disk or cache folder, a folder of hub parquet shards) and prints its
layout, each split with its row count and shard files, and the columns (name
and type, in pyarrow's spelling) of the first file. A folder holding several
datasets (the output of 'ssmlab data gen', or its mc/ folder with one
dataset per task family) prints each of them. Counting rows reads the files.

Example:
  ssmlab data info ~/.cache/huggingface/datasets/allenai___ai2_arc
  ssmlab data info data/suite/mc`,
}

func init() {
	cmdDataInfo.Run = func(_ *Command, args []string) error {
		if len(args) != 1 {
			return usagef("data info takes one PATH")
		}
		ds, err := arrowio.FindAll(args[0])
		if err != nil {
			return err
		}
		if len(ds) > 1 {
			fmt.Fprintf(stdout, "%s: %d datasets\n", args[0], len(ds))
		}
		for i, d := range ds {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if err := printDataset(d); err != nil {
				return err
			}
		}
		return nil
	}
	register(cmdDataInfo)
}

// printDataset prints one dataset: layout, splits with rows and files,
// and the first file's columns.
func printDataset(d *arrowio.Dataset) error {
	fmt.Fprintf(stdout, "%s (%s)\n", d.Path, d.Layout)
	for _, s := range d.Splits {
		rows := 0
		err := arrowio.Scan(s.Files, func(_ string, _ *arrow.Schema, rec arrow.Record) error {
			rows += int(rec.NumRows())
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "split %s: %d rows in %d file(s)\n", s.Name, rows, len(s.Files))
		for _, f := range s.Files {
			fmt.Fprintf(stdout, "  %s\n", f)
		}
	}
	r, err := arrowio.Open(d.Splits[0].Files[0])
	if err != nil {
		return err
	}
	defer r.Close()
	var cols []string
	for _, f := range r.Schema().Fields() {
		cols = append(cols, f.Name+": "+arrowio.TypeName(f.Type))
	}
	fmt.Fprintf(stdout, "format %s, columns:\n  %s\n", r.Format, strings.Join(cols, "\n  "))
	return nil
}
