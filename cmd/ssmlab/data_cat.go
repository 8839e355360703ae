package main

import (
	"bufio"
	"errors"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

var cmdDataCat = &Command{
	Name:  "data cat",
	Usage: "data cat [--split NAME] [--limit N] PATH",
	Short: "print the rows of an Arrow or Parquet dataset as JSON lines",
	Long: `Data cat prints one JSON object per row of PATH: keys are the column names
in schema order, lists are JSON arrays, structs objects, binary values base64
strings, nulls and non-finite floats null.

PATH is a .arrow file (Arrow IPC stream, as HF datasets caches, or IPC file
format; told apart by their first bytes), a .parquet file, or a dataset
folder: an HF save_to_disk folder, an HF cache folder
(<ns>___<dataset>/<config>/<version>/<hash>/ or any folder above a single
one), or a hub folder of data/<split>-00000-of-0000N.parquet shards. A folder
with several splits needs --split. Rows stream batch by batch, so large files
do not need to fit in memory.

A truncated or corrupt file, or a path that is not a dataset, is one line on
stderr naming the file and the problem, with exit status 1.

Example:
  ssmlab data cat ~/.cache/huggingface/datasets/allenai___ai2_arc --split test --limit 3`,
}

func init() {
	split := cmdDataCat.Flag.String("split", "", "the split to print when PATH holds several")
	limit := cmdDataCat.Flag.Int("limit", 0, "print at most `N` rows (0: all)")
	cmdDataCat.Run = func(_ *Command, args []string) error {
		if len(args) != 1 {
			return usagef("data cat takes one PATH")
		}
		if *limit < 0 {
			return usagef("--limit must be >= 0")
		}
		d, err := arrowio.Find(args[0])
		if err != nil {
			return err
		}
		s, err := d.Split(*split)
		if err != nil {
			return err
		}
		return catRows(s.Files, *limit)
	}
	register(cmdDataCat)
}

var errLimit = errors.New("row limit reached")

// catRows streams the rows of files to stdout as JSON lines.
func catRows(files []string, limit int) error {
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	var line []byte
	rows := 0
	err := arrowio.Scan(files, func(file string, _ *arrow.Schema, rec arrow.Record) error {
		for i := range int(rec.NumRows()) {
			if limit > 0 && rows == limit {
				return errLimit
			}
			var err error
			if line, err = arrowio.AppendRowJSON(line[:0], rec, i); err != nil {
				return errors.New(file + ": row " + strconv.Itoa(rows) + ": " + err.Error())
			}
			w.Write(append(line, '\n'))
			rows++
		}
		return nil
	})
	if err == errLimit {
		return nil
	}
	return err
}
