package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes as an experiment file to Load: it
// returns an experiment or an error (a TOML syntax error, a strict-check
// failure, a value out of range), never panics.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.toml"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*", "*.toml"))
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name = \"x\"\nkind = \"k\"\n[models.m]\narch = \"mamba\"\nd_model = 1e9\n[train]\nlearning_rate = nan\n[sweep]\nseed = [0, 1]\n"))
	dir := f.TempDir()
	path := filepath.Join(dir, "exp.toml")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Skip(err)
		}
		Load(path, Options{})
	})
}
