package experiments

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
)

// Collect reads the finished trials of an experiment back from results/
// (see store.Collect; plots may import experiments/store alone).
func Collect(results, experiment string) ([]store.Result, error) {
	return store.Collect(results, experiment)
}

// FiguresFunc rebuilds figures, tables and the report under paper from
// results only.
type FiguresFunc func(ctx context.Context, results, paper string) error

var figures struct {
	sync.Mutex
	fn FiguresFunc
}

// RegisterFigures installs the figures step that Reproduce runs last. The
// command package wires the plots package in with it, so that plots need
// not import experiments.
func RegisterFigures(fn FiguresFunc) {
	figures.Lock()
	defer figures.Unlock()
	figures.fn = fn
}

// Figures returns the registered figures step, or nil.
func Figures() FiguresFunc {
	figures.Lock()
	defer figures.Unlock()
	return figures.fn
}

// ExperimentFiles lists the experiment files of a configs directory: the
// .toml files directly in it, sorted (presets live in subdirectories).
func ExperimentFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".toml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

// LoadSuite loads every experiment file of a configs directory under a
// profile, all before anything runs, and checks that their names (their
// results directories) differ. Presets at the top level are left out.
// sets are command-line overrides (key=value) applied to every file.
func LoadSuite(dir, profile string, sets ...string) ([]*config.Experiment, error) {
	files, err := ExperimentFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []*config.Experiment
	byName := map[string]string{}
	for _, f := range files {
		e, err := Load(f, profile, sets...)
		if err != nil {
			return nil, err
		}
		if e.Preset {
			continue
		}
		if other, dup := byName[e.Name]; dup {
			return nil, fmt.Errorf("%s: name %q is taken by %s; results would mix", f, e.Name, other)
		}
		byName[e.Name] = f
		out = append(out, e)
	}
	return out, nil
}
