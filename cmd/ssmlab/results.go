package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/jsonnum"
)

var cmdResults = &Command{
	Name:  "results",
	Usage: "results [--results DIR] [--format csv|parquet|jsonl] [--out FILE] [--experiment NAME] [--tasks=false]",
	Short: "every finished trial's metrics as one tidy table (CSV, Parquet, JSON lines)",
	Long: `Results reads the finished trials under --results and writes one tidy
table: one row per trial, shot count k and part of its summary (each
precision of a Table 1 row, each task family, each Lyapunov unit...), with
every metric as a column. Columns:

  experiment, trial      the experiment and the trial's key
  part, index            "summary" for the trial's own per-shot values, else
                         the summary's array the row comes from and the
                         element's index in it
  k                      the shot count (trials evaluated at several)
  precision, family, task  when the part has them
  axis.NAME              the trial's sweep values
  config.NAME            its kind, seed, precision, model and method
  anything else          the summary's metrics, nested names dotted
                         (model.params, train.final_loss, rows.acc)

Below those, each trial that evaluated models on tasks gets one row per
task, shot count and evaluation it used (part "task": task, family, k,
precision, scores.model naming the evaluated model, acc and acc_norm as
means over the task's docs, docs); --tasks=false leaves them out.

Per-item raw scores and notes are left out. Non-finite numbers (diverged
runs) stay NaN or ±Inf. Missing values are empty (CSV) or null.

A status listing goes to stderr: per experiment, the trials done, running
(or killed while running), interrupted and failed.

--format csv (default), parquet (pandas.read_parquet opens it) or jsonl.
Without --out the table goes to stdout.

Example:
  ssmlab results --results results/quick --format parquet --out results.parquet
  python -c "import pandas; print(pandas.read_parquet('results.parquet'))"`,
}

var (
	resResults = cmdResults.Flag.String("results", "results", "results directory to read")
	resFormat  = cmdResults.Flag.String("format", "csv", "csv, parquet or jsonl")
	resOut     = cmdResults.Flag.String("out", "", "file to write (default: stdout)")
	resExp     = cmdResults.Flag.String("experiment", "", "only this experiment")
	resTasks   = cmdResults.Flag.Bool("tasks", true, "add per-task rows (part \"task\") from the evaluations each trial used")
)

func init() {
	cmdResults.Run = runResultsCmd
	register(cmdResults)
}

func runResultsCmd(_ *Command, args []string) error {
	if len(args) > 0 {
		return usagef("results takes no arguments (did you mean --results %s?)", args[0])
	}
	switch *resFormat {
	case "csv", "parquet", "jsonl":
	default:
		return usagef("--format %q: want csv, parquet or jsonl", *resFormat)
	}
	exps, err := store.AllExperiments(*resResults)
	if err != nil {
		return err
	}
	if *resExp != "" {
		if !contains(exps, *resExp) {
			return fmt.Errorf("%s: no experiment %q (have %s)", *resResults, *resExp, strings.Join(exps, ", "))
		}
		exps = []string{*resExp}
	}
	var rows []store.Row
	for _, e := range exps {
		rs, err := store.Collect(*resResults, e)
		if err != nil {
			return err
		}
		for _, r := range rs {
			rr, err := store.Tidy(e, r)
			if err != nil {
				return err
			}
			rows = append(rows, rr...)
			if *resTasks {
				tr, err := store.TaskRows(e, r)
				if err != nil {
					return err
				}
				rows = append(rows, tr...)
			}
		}
		if err := printStatus(e); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no finished trials", *resResults)
	}
	cols := store.Columns(rows)
	write := func(w io.Writer) error { return writeRows(w, *resFormat, cols, rows) }
	if *resOut == "" {
		return write(stdout)
	}
	if err := fsx.WriteAtomic(*resOut, write); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d rows, %d columns in %s\n", len(rows), len(cols), *resOut)
	return nil
}

// printStatus writes one line per experiment: its trials by status.
func printStatus(exp string) error {
	dirs, err := store.Trials(*resResults, exp)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, d := range dirs {
		s := store.Status(d)
		if strings.HasPrefix(s, "failed") {
			s = "failed"
		}
		count[s]++
	}
	var parts []string
	for _, s := range []string{"done", "running", "interrupted", "failed", "started"} {
		if n := count[s]; n > 0 {
			label := s
			if s == "running" {
				label = "running (or killed)"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	fmt.Fprintf(stderr, "%s: %d trials: %s\n", exp, len(dirs), strings.Join(parts, ", "))
	return nil
}

func writeRows(w io.Writer, format string, cols []string, rows []store.Row) error {
	switch format {
	case "jsonl":
		return writeJSONL(w, cols, rows)
	case "parquet":
		return writeParquetRows(w, cols, rows)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	line := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			line[i] = csvCell(r[c])
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64) // NaN, +Inf, -Inf as pandas reads them
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// writeJSONL writes one object per row with the columns in order;
// non-finite numbers are written as the strings "NaN", "Infinity".
func writeJSONL(w io.Writer, cols []string, rows []store.Row) error {
	var b bytes.Buffer
	for _, r := range rows {
		b.Reset()
		b.WriteByte('{')
		first := true
		for _, c := range cols {
			v, ok := r[c]
			if !ok {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(c)
			b.Write(k)
			b.WriteByte(':')
			if f, isNum := v.(float64); isNum {
				v = jsonnum.Float(f) // NaN and ±Inf as summaries write them
			}
			val, err := json.Marshal(v)
			if err != nil {
				return err
			}
			b.Write(val)
		}
		b.WriteString("}\n")
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// writeParquetRows writes the rows as one Parquet table: a column of only
// numbers is float64, of only booleans bool, else string; missing values
// are null.
func writeParquetRows(w io.Writer, cols []string, rows []store.Row) error {
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arr := columnArray(mem, c, rows)
		defer arr.Release()
		fields[i] = arrow.Field{Name: c, Type: arr.DataType(), Nullable: true}
		arrs[i] = arr
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecord(schema, arrs, int64(len(rows)))
	defer rec.Release()
	return arrowio.WriteTo(w, &arrowio.Table{Path: "results", Schema: schema, Records: []arrow.Record{rec}}, arrowio.Parquet)
}

func columnArray(mem memory.Allocator, col string, rows []store.Row) arrow.Array {
	kind := ""
	for _, r := range rows {
		switch r[col].(type) {
		case nil:
		case float64:
			kind = mergeKind(kind, "float")
		case bool:
			kind = mergeKind(kind, "bool")
		default:
			kind = "string"
		}
	}
	switch kind {
	case "float":
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		for _, r := range rows {
			if f, ok := r[col].(float64); ok {
				b.Append(f)
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray()
	case "bool":
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for _, r := range rows {
			if v, ok := r[col].(bool); ok {
				b.Append(v)
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray()
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, r := range rows {
		if v, ok := r[col]; ok && v != nil {
			b.Append(csvCell(v))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}

func mergeKind(have, add string) string {
	if have == "" || have == add {
		return add
	}
	return "string"
}

func contains(xs []string, x string) bool {
	i := sort.SearchStrings(xs, x)
	return i < len(xs) && xs[i] == x
}
