package main

import (
	"fmt"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

var cmdDataInfo = &Command{
	Name:  "data info",
	Usage: "data info PATH",
	Short: "show how a dataset path is read: layout, splits, files, columns",
	Long: `Data info finds the dataset at PATH as data cat does (a file, an HF
save_to_disk or cache folder, a folder of hub parquet shards) and prints its
layout, each split with its shard files, and the columns (name and type, in
pyarrow's spelling) of the first file. It reads only file headers.

Example:
  ssmlab data info ~/.cache/huggingface/datasets/allenai___ai2_arc`,
}

func init() {
	cmdDataInfo.Run = func(_ *Command, args []string) error {
		if len(args) != 1 {
			return usagef("data info takes one PATH")
		}
		d, err := arrowio.Find(args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s (%s)\n", d.Path, d.Layout)
		for _, s := range d.Splits {
			fmt.Fprintf(stdout, "split %s: %d file(s)\n", s.Name, len(s.Files))
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
	register(cmdDataInfo)
}
