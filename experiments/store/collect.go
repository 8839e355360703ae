package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Result is one finished trial as Collect reads it back.
type Result struct {
	Key string
	// Axes are the trial's sweep values in key order.
	Axes []Axis
	// Dir is the trial directory.
	Dir string
	// Config is the resolved trial config (config.json's "trial").
	Config json.RawMessage
	// Summary is summary.json as written by the kind.
	Summary json.RawMessage
}

// Axis is one sweep value of a trial.
type Axis struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// Value returns the value of the named axis, or nil.
func (r Result) Value(axis string) any {
	for _, a := range r.Axes {
		if a.Name == axis {
			return a.Value
		}
	}
	return nil
}

// Collect reads every finished trial (one with DONE) of an experiment under
// results/runs/, sorted by key. Shards of a sweep need no merging step: each
// wrote its own trial directories. Unfinished trials are left out; a
// finished trial with a missing or corrupt summary or config is an error
// naming the file.
func Collect(results, experiment string) ([]Result, error) {
	root := filepath.Join(results, "runs", experiment)
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no results for experiment %q (run it first: ssmlab run configs/%s.toml)", root, experiment, experiment)
	}
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, e := range ents {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || !Done(dir) {
			continue
		}
		r, err := readResult(dir)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func readResult(dir string) (Result, error) {
	c, ok, err := ReadConfig(dir)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, fmt.Errorf("%s: finished trial without %s", dir, ConfigFile)
	}
	var t struct {
		Key  string `json:"key"`
		Axes []Axis `json:"axes"`
	}
	if err := json.Unmarshal(c.Trial, &t); err != nil {
		return Result{}, fmt.Errorf("%s: %v", filepath.Join(dir, ConfigFile), err)
	}
	p := filepath.Join(dir, SummaryFile)
	sum, err := fsx.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Result{}, fmt.Errorf("%s: missing, though the trial is marked DONE", p)
	}
	if err != nil {
		return Result{}, err
	}
	if !json.Valid(sum) {
		return Result{}, fmt.Errorf("%s: corrupt JSON", p)
	}
	if t.Key == "" {
		t.Key = filepath.Base(dir)
	}
	return Result{Key: t.Key, Axes: t.Axes, Dir: dir, Config: c.Trial, Summary: sum}, nil
}

// Experiments lists the experiments under results/runs/ that have at least
// one finished trial, sorted. A missing results folder is an error naming
// it; a folder with no finished trial gives none.
func Experiments(results string) ([]string, error) {
	if st, err := os.Stat(results); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such results folder", results)
		}
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", results)
	}
	ents, err := os.ReadDir(filepath.Join(results, "runs"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		trials, err := os.ReadDir(filepath.Join(results, "runs", e.Name()))
		if err != nil {
			return nil, err
		}
		for _, t := range trials {
			if t.IsDir() && Done(filepath.Join(results, "runs", e.Name(), t.Name())) {
				out = append(out, e.Name())
				break
			}
		}
	}
	return out, nil
}

// Status is how far a trial directory got: "done" (DONE written), else
// what its provenance.json last recorded: "running" (or killed before it
// could say otherwise), "interrupted", "failed: ..."; "started" without
// one.
func Status(dir string) string {
	if Done(dir) {
		return "done"
	}
	var p struct {
		Status string `json:"status"`
	}
	b, err := fsx.ReadFile(filepath.Join(dir, ProvenanceFile))
	if err != nil || json.Unmarshal(b, &p) != nil || p.Status == "" {
		return "started"
	}
	return p.Status
}

// Trials lists the trial directories of an experiment (hidden ones, such
// as trash being deleted, left out), sorted.
func Trials(results, experiment string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(results, "runs", experiment))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(results, "runs", experiment, e.Name()))
		}
	}
	return out, nil
}

// AllExperiments lists every experiment folder under results/runs/,
// finished or not, sorted.
func AllExperiments(results string) ([]string, error) {
	if _, err := Experiments(results); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(results, "runs"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
