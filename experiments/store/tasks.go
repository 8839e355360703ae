package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// TaskRows returns one row per task and shot count of every evaluation
// (evalscores artifact) a finished trial used: the per-task grain under
// Tidy's per-part rows. Each row has the trial's columns (experiment,
// trial, axis.NAME, config.NAME), part "task", task, family, k, the
// evaluated model and precision (scores.model, precision), and acc,
// acc_norm (means over the task's docs) and docs. A trial may use several
// evaluations (each precision of a Table 1 row, a fine-tune and its fp32
// reference); scores.model tells them apart.
//
// Artifacts are found under the results folder the trial is in (by name
// and folder name), so a results tree copied elsewhere still reads.
func TaskRows(experiment string, r Result) ([]Row, error) {
	provPath := filepath.Join(r.Dir, ProvenanceFile)
	b, err := fsx.ReadFile(provPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var prov struct {
		Artifacts []struct {
			Name string `json:"name"`
			Dir  string `json:"dir"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &prov); err != nil {
		return nil, fmt.Errorf("%s: %v", provPath, err)
	}
	base, err := Tidy(experiment, Result{Key: r.Key, Axes: r.Axes, Dir: r.Dir, Config: r.Config, Summary: json.RawMessage(`{}`)})
	if err != nil || len(base) != 1 {
		return nil, err
	}
	results := filepath.Dir(filepath.Dir(filepath.Dir(r.Dir))) // results/runs/<experiment>/<key>
	var rows []Row
	seen := map[string]bool{}
	for _, a := range prov.Artifacts {
		dir := filepath.Join(results, "artifacts", a.Name, filepath.Base(a.Dir))
		if a.Name != "evalscores" || seen[dir] {
			continue
		}
		seen[dir] = true
		rs, err := scoreRows(dir, base[0])
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	return rows, nil
}

// scoreRows reads one evalscores artifact's summary into rows.
func scoreRows(dir string, base Row) ([]Row, error) {
	p := filepath.Join(dir, SummaryFile)
	b, err := fsx.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %v (the trial used it; was it moved?)", p, err)
	}
	var s struct {
		Model     string `json:"model"`
		Precision string `json:"precision"`
		Tasks     []struct {
			Task    string    `json:"task"`
			Family  string    `json:"family"`
			K       int       `json:"k"`
			Acc     []float64 `json:"acc"`
			AccNorm []float64 `json:"acc_norm"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	var rows []Row
	for _, t := range s.Tasks {
		row := clone(base)
		delete(row, "part")
		row["part"], row["task"], row["family"], row["k"] = "task", t.Task, t.Family, float64(t.K)
		row["scores.model"], row["precision"], row["docs"] = s.Model, s.Precision, float64(len(t.Acc))
		row["acc"], row["acc_norm"] = mean(t.Acc), mean(t.AccNorm)
		rows = append(rows, row)
	}
	return rows, nil
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
