package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/config"
)

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
// results directories) differ. Presets at the top level are left out, and
// so are, under an opt-in profile (gpu), the files that do not define it.
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
		if e.Preset || e.ProfileMissing { // an opt-in profile (gpu) runs only the files that define it
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
