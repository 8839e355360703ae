package hf

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
)

// FuzzConfigJSON feeds arbitrary config.json bytes to every registered
// architecture: the memory estimate (what Load computes before building
// anything) never panics, and a config it accepts at a small size builds.
func FuzzConfigJSON(f *testing.F) {
	for _, dir := range testfix.SeedDirs(f) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "config.json"))
		sort.Strings(paths)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"model_type":"mamba","hidden_size":1e9,"num_hidden_layers":-1,"vocab_size":"x"}`))
	types := ModelTypes()
	sort.Strings(types)
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, mt := range types {
			a := archs[mt]
			if a.Footprint == nil {
				continue
			}
			fp, err := a.Footprint("config.json", raw)
			if err != nil || !(fp.Params >= 1 && fp.Params < 2e5) || !(fp.PerToken >= 0 && fp.PerToken < 1e6) {
				continue
			}
			if _, _, err := a.Build("config.json", raw); err != nil {
				continue // a config the estimate accepts may still be refused by Build
			}
		}
	})
}
