package paper

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
)

// SCHEMA.md's example is a real experiment file: it loads under every
// profile with the trial counts its sweep gives, against the registered
// kinds (its kind exists, its [params] match the kind's) and
// every trial passes the kind's checks, as `ssmlab validate` would judge
// it. Its includes stand for empty presets and its data paths for files.
func TestSchemaExampleValidates(t *testing.T) {
	doc, err := os.ReadFile("../SCHEMA.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Every section, in one example\n\n```toml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("SCHEMA.md: example not found")
	}
	dir := filepath.Join(t.TempDir(), "configs")
	for _, f := range []string{"models/bases.toml", "train/instruct.toml"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "x.toml"), m[1], 0o644)
	want := map[string]int{"quick": 36, "default": 108, "full": 108}
	for _, p := range config.Profiles {
		// the example names a user's files (/data/alpaca/...): validate's
		// load, which lists missing files instead of refusing them
		e, _, err := experiments.LoadAllowMissing(filepath.Join(dir, "x.toml"), p)
		if err != nil {
			t.Fatalf("profile %s: %v", p, err)
		}
		if p == "gpu" { // opt-in: the example defines no [profile.gpu]
			if !e.ProfileMissing {
				t.Errorf("profile gpu: not marked missing")
			}
			continue
		}
		if e.Kind != "mpft" || len(e.Trials) != want[p] {
			t.Fatalf("profile %s: kind %q, %d trials, want %d", p, e.Kind, len(e.Trials), want[p])
		}
	}
}
