package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
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

// log_every only changes reporting: it does not enter the hash, and a
// config at its default hashes as before it was left out.
func TestLogEveryIsNotKeyed(t *testing.T) {
	type train struct {
		Steps    int `json:"steps"`
		LogEvery int `json:"log_every"`
	}
	type spec struct {
		Train    train `json:"train"`
		Pretrain train `json:"pretrain"`
	}
	a, _ := NewConfig(spec{train{5, 10}, train{7, 10}}, "1")
	b, _ := NewConfig(spec{train{5, 1}, train{7, 25}}, "1")
	c, _ := NewConfig(spec{train{6, 10}, train{7, 10}}, "1")
	if a.Hash != b.Hash || a.Hash == c.Hash {
		t.Errorf("hashes: log_every 10 %s, other log_every %s, other steps %s", a.Hash, b.Hash, c.Hash)
	}
	raw, _ := json.Marshal(spec{train{5, 10}, train{7, 10}})
	h := sha256.Sum256(append([]byte("1\n"), raw...))
	if a.Hash != "sha256:"+hex.EncodeToString(h[:]) {
		t.Error("a config at the default log_every no longer hashes as it used to")
	}
	if !strings.Contains(string(b.Trial), `"log_every":25`) {
		t.Errorf("config.json lost the real value: %s", b.Trial)
	}
}

// TaskRows reads the evaluations a trial used (found under its results
// folder even when provenance names another path) into per-task rows.
func TestTaskRows(t *testing.T) {
	results := t.TempDir()
	dir := RunDir(results, "exp", "model=m")
	art := filepath.Join(results, "artifacts", "evalscores", "m_fp16-abc")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(art, 0o755)
	os.WriteFile(filepath.Join(dir, ProvenanceFile), []byte(`{"artifacts": [{"name": "evalscores", "dir": "/elsewhere/artifacts/evalscores/m_fp16-abc"},
		{"name": "pretrain", "dir": "/elsewhere/artifacts/pretrain/m-1"}]}`), 0o644)
	os.WriteFile(filepath.Join(art, SummaryFile), []byte(`{"model": "m", "precision": "fp16", "tasks": [
		{"task": "case/upper", "family": "case", "k": 0, "acc": [1, 0, 0, 1], "acc_norm": [1, 1, 0, 1]},
		{"task": "case/upper", "family": "case", "k": 3, "acc": [1, 1, 1, 1], "acc_norm": [1, 1, 1, 1]}]}`), 0o644)
	cfg, _ := json.Marshal(map[string]any{"seed": 1})
	rows, err := TaskRows("exp", Result{Key: "model=m", Axes: []Axis{{"model", "m"}}, Dir: dir, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows: %v", len(rows), rows)
	}
	r := rows[0]
	if r["part"] != "task" || r["task"] != "case/upper" || r["family"] != "case" || r["k"] != 0.0 || r["precision"] != "fp16" ||
		r["acc"] != 0.5 || r["acc_norm"] != 0.75 || r["docs"] != 4.0 || r["axis.model"] != "m" || r["config.seed"] != 1.0 || r["scores.model"] != "m" {
		t.Errorf("row %v", r)
	}
}
