package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Row is one row of the tidy results table: column name to value, a
// float64, string or bool (a missing column is absent).
type Row map[string]any

// Tidy turns a finished trial into rows of one grain: one row per shot
// count k (when the summary has "shots") and per element of each array of
// tables in the summary (precisions, task families, Lyapunov units...),
// with every scalar of the summary, the trial's sweep values (axis.NAME)
// and its kind, seed, precision, model and method (config.NAME) as columns.
//
// Nested tables become dotted columns (model.name, train.final_loss).
// Number arrays as long as "shots" are read as one value per shot count.
// An element of an array of tables gives columns prefixed by the array's
// name, except its precision, family and task, which fill the columns of
// those names; its "part" column names the array ("summary" for the rows
// of the summary's own per-shot values, left out when it has none: its
// scalars are on every other row). Other arrays (per-item raw
// scores, notes) are left out.
func Tidy(experiment string, r Result) ([]Row, error) {
	var sum map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Summary))
	dec.UseNumber()
	if err := dec.Decode(&sum); err != nil {
		return nil, fmt.Errorf("%s: summary: %v", r.Dir, err)
	}
	base := Row{"experiment": experiment, "trial": r.Key}
	var cfg map[string]any
	if json.Unmarshal(r.Config, &cfg) == nil {
		for _, k := range []string{"kind", "seed", "precision", "model_name", "method_name"} {
			if v, ok := scalar(cfg[k]); ok {
				base["config."+strings.TrimSuffix(k, "_name")] = v
			}
		}
	}
	for _, a := range r.Axes {
		if v, ok := scalar(a.Value); ok {
			base["axis."+a.Name] = v
		}
	}
	shots := numbers(sum["shots"])
	perShot := map[string][]float64{}
	var parts []string
	tables := map[string][]map[string]any{}
	flattenRow("", sum, base, func(name string, v []any) {
		if name == "shots" {
			return
		}
		if xs := numbers(v); xs != nil && len(shots) > 0 && len(xs) == len(shots) {
			perShot[name] = xs
			return
		}
		if ts := objects(v); ts != nil {
			parts = append(parts, name)
			tables[name] = ts
		}
	})
	var rows []Row
	emit := func(r Row, cols map[string][]float64) {
		if len(shots) == 0 {
			rows = append(rows, r)
			return
		}
		for i, k := range shots {
			row := clone(r)
			row["k"] = k
			for name, xs := range cols {
				row[name] = xs[i]
			}
			rows = append(rows, row)
		}
	}
	top := clone(base)
	top["part"] = "summary"
	switch {
	case len(perShot) > 0:
		emit(top, perShot)
	case len(parts) == 0: // nothing per shot or per part: one row
		rows = append(rows, top)
	}
	sort.Strings(parts)
	for _, p := range parts {
		for i, t := range tables[p] {
			row := clone(base)
			row["part"], row["index"] = p, float64(i)
			cols := map[string][]float64{}
			for k, v := range t {
				col := p + "." + k
				if k == "precision" || k == "family" || k == "task" {
					col = k
				}
				if s, ok := scalar(v); ok {
					row[col] = s
				} else if xs := numbers(v); xs != nil && len(shots) > 0 && len(xs) == len(shots) {
					cols[col] = xs
				} else if m, ok := v.(map[string]any); ok {
					flattenRow(col+".", m, row, func(string, []any) {})
				}
			}
			emit(row, cols)
		}
	}
	return rows, nil
}

// flattenRow copies the scalars of m into row under prefix and hands arrays
// to array.
func flattenRow(prefix string, m map[string]any, row Row, array func(name string, v []any)) {
	for k, v := range m {
		name := prefix + k
		switch x := v.(type) {
		case map[string]any:
			flattenRow(name+".", x, row, array)
		case []any:
			array(name, x)
		default:
			if s, ok := scalar(x); ok {
				row[name] = s
			}
		}
	}
}

// scalar converts a JSON scalar to float64, string or bool.
func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		switch x { // how the summaries write non-finite numbers
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		return x, true
	case float64, bool:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return nil, false
}

// numbers returns v as []float64 if it is an array of numbers (NaN, Inf
// written as strings by the summaries count as numbers), else nil.
func numbers(v any) []float64 {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil
	}
	out := make([]float64, len(arr))
	for i, x := range arr {
		s, ok := scalar(x)
		f, isNum := s.(float64)
		if !ok || !isNum {
			return nil
		}
		out[i] = f
	}
	return out
}

func objects(v []any) []map[string]any {
	var out []map[string]any
	for _, x := range v {
		m, ok := x.(map[string]any)
		if !ok {
			return nil
		}
		out = append(out, m)
	}
	return out
}

func clone(r Row) Row {
	c := make(Row, len(r))
	for k, v := range r {
		c[k] = v
	}
	return c
}

// Columns returns the columns of rows in a stable order: experiment,
// trial, part, index, k, precision, family, task, the sweep axes, then the
// rest by name.
func Columns(rows []Row) []string {
	first := []string{"experiment", "trial", "part", "index", "k", "precision", "family", "task"}
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			seen[k] = true
		}
	}
	var out, axes, rest []string
	for _, c := range first {
		if seen[c] {
			out = append(out, c)
			delete(seen, c)
		}
	}
	for c := range seen {
		if len(c) > 5 && c[:5] == "axis." {
			axes = append(axes, c)
		} else {
			rest = append(rest, c)
		}
	}
	sort.Strings(axes)
	sort.Strings(rest)
	return append(append(out, axes...), rest...)
}
