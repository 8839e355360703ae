package config

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryConfigsParse strict-loads every .toml under the repository's
// configs/ directory as a preset or experiment, without kinds (the
// experiments package repeats this with the registered kinds). It passes
// on an empty directory and covers every file added later.
func TestRepositoryConfigsParse(t *testing.T) {
	root := filepath.Join("..", "..", "configs")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".toml") {
			return err
		}
		n++
		for _, prof := range Profiles {
			if _, err := Load(p, Options{Profile: prof}); err != nil {
				t.Errorf("profile %s: %v", prof, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d config files", n)
}

func TestSanitizeAndLongKeys(t *testing.T) {
	for _, tc := range []struct {
		axes []Axis
		want string
	}{
		{[]Axis{{"seed", int64(0)}}, "seed=0"},
		{[]Axis{{"train.learning_rate", 1e-5}}, "train.learning_rate=1e-05"},
		{[]Axis{{"flag", true}}, "flag=true"},
		{[]Axis{{"model", ".hidden/x"}}, "model=x.hidden-x"},
	} {
		if got := Key(tc.axes); got != tc.want {
			t.Errorf("Key(%v) = %q, want %q", tc.axes, got, tc.want)
		}
	}
	long := Key([]Axis{{"model", strings.Repeat("m", 300)}})
	if len(long) != maxKeyLen || long != Key([]Axis{{"model", strings.Repeat("m", 300)}}) {
		t.Errorf("long key %d chars: %q", len(long), long)
	}
}
