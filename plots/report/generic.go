package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/plots"
)

// genericClaim reports an experiment no registered report knows (a user's
// own): a table of its tidy rows (the ones `ssmlab results` prints) and a
// section in REPORT.md pointing at it, with no paper claim to compare.
func genericClaim(name string, rs []store.Result, out Out) (Claim, error) {
	var rows []store.Row
	for _, r := range rs {
		rr, err := store.Tidy(name, r)
		if err != nil {
			return Claim{}, err
		}
		rows = append(rows, rr...)
	}
	cols := store.Columns(rows)
	if len(cols) > 0 && cols[0] == "experiment" {
		cols = cols[1:]
	}
	t := plots.Table{Name: "experiment_" + name, Caption: fmt.Sprintf("Experiment %s: every finished trial, one row per trial, part and shot count.", name), Header: cols}
	for _, r := range rows {
		line := make([]string, len(cols))
		for i, c := range cols {
			line[i] = formatCell(r[c])
		}
		t.Rows = append(t.Rows, line)
	}
	if err := t.Write(out.Tables); err != nil {
		return Claim{}, err
	}
	var figs []string
	if f, ok := perShotFigure(name, rs, rows); ok {
		if err := f.Write(out.Figures); err != nil {
			return Claim{}, err
		}
		figs = append(figs, f.Name)
	}
	return Claim{
		Figures: figs,
		ID:      "experiment-" + name,
		Title:   fmt.Sprintf("Experiment %s (not part of the paper)", name),
		Paper:   "—",
		Ours:    fmt.Sprintf("%d trials, %d rows (table)", len(rs), len(rows)),
		Verdict: Informational,
		Tables:  []string{"experiment_" + name},
		Notes:   []string{"`ssmlab results` prints the same rows as CSV, Parquet or JSON lines."},
	}, nil
}

func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// perShotFigure draws the summary's per-shot metrics (number arrays as long
// as "shots", at most four) against k, one line per trial; ok is false when
// the experiment has none.
func perShotFigure(name string, rs []store.Result, rows []store.Row) (plots.Figure, bool) {
	var metrics []string
	var sum map[string]any
	if json.Unmarshal(rs[0].Summary, &sum) != nil {
		return plots.Figure{}, false
	}
	shots, _ := sum["shots"].([]any)
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if arr, ok := sum[k].([]any); ok && k != "shots" && len(shots) > 0 && len(arr) == len(shots) {
			if _, num := arr[0].(float64); num {
				metrics = append(metrics, k)
			}
		}
	}
	if len(metrics) == 0 {
		return plots.Figure{}, false
	}
	metrics = metrics[:min(len(metrics), 4)]
	f := plots.Figure{Name: "experiment_" + name, Cols: min(len(metrics), 2), Caption: fmt.Sprintf("Experiment %s: per-shot metrics against the shot count k, one line per trial", name)}
	for _, m := range metrics {
		pn := plots.Panel{Title: m, XLabel: "shots k", YLabel: m}
		for ti, r := range rs {
			s := plots.Series{Label: r.Key, Points: true, Color: ti}
			for _, row := range rows {
				k, kok := row["k"].(float64)
				v, vok := row[m].(float64)
				if row["trial"] == r.Key && row["part"] == "summary" && kok && vok {
					s.X, s.Y = append(s.X, k), append(s.Y, v)
				}
			}
			if len(s.X) > 0 {
				pn.Series = append(pn.Series, s)
			}
		}
		f.Panels = append(f.Panels, pn)
	}
	return f, true
}
