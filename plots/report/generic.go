package report

import (
	"fmt"
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
	t := plots.Table{Name: name, Caption: fmt.Sprintf("Experiment %s: every finished trial, one row per trial, part and shot count.", name), Header: cols}
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
	return Claim{
		ID:      "experiment-" + name,
		Title:   fmt.Sprintf("Experiment %s (not part of the paper)", name),
		Paper:   "—",
		Ours:    fmt.Sprintf("%d trials, %d rows (table)", len(rs), len(rows)),
		Verdict: Informational,
		Tables:  []string{name},
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
