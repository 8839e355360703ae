package store

import (
	"encoding/json"
	"math"
	"testing"
)

// A summary with shots, a per-shot metric and an array of per-precision
// tables gives one row per (part, k), with NaN kept and the raw per-item
// array left out.
func TestTidy(t *testing.T) {
	sum := `{"model": {"name": "m", "params": 10}, "shots": [0, 2], "acc": [0.5, 0.75], "items": [[1, 0], [1, 1]],
		"rows": [{"precision": "fp32", "acc": [0.5, 0.75], "kl": 0}, {"precision": "fp16", "acc": [0.25, 0.5], "kl": "NaN"}], "notes": ["x"]}`
	cfg, _ := json.Marshal(map[string]any{"seed": 3, "precision": "bf16", "model_name": "m"})
	rows, err := Tidy("exp", Result{Key: "model=m", Axes: []Axis{{"model", "m"}}, Config: cfg, Summary: json.RawMessage(sum)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 2 summary + 2x2 rows: %v", len(rows), rows)
	}
	first, last := rows[0], rows[5]
	if first["part"] != "summary" || first["k"] != 0.0 || first["acc"] != 0.5 || first["model.params"] != 10.0 || first["axis.model"] != "m" || first["config.seed"] != 3.0 {
		t.Errorf("first row %v", first)
	}
	if last["part"] != "rows" || last["precision"] != "fp16" || last["k"] != 2.0 || last["rows.acc"] != 0.5 || !math.IsNaN(last["rows.kl"].(float64)) {
		t.Errorf("last row %v", last)
	}
	for _, r := range rows {
		if _, ok := r["items"]; ok {
			t.Error("per-item scores became a column")
		}
	}
	cols := Columns(rows)
	if cols[0] != "experiment" || cols[1] != "trial" || cols[2] != "part" {
		t.Errorf("columns %v", cols)
	}
}
