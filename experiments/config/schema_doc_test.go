package config

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSchemaExampleLoads keeps the example of SCHEMA.md valid: it is
// loaded under every profile (its includes stand for empty presets).
func TestSchemaExampleLoads(t *testing.T) {
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
	for _, p := range Profiles {
		e, err := Load(filepath.Join(dir, "x.toml"), Options{Profile: p})
		if err != nil {
			t.Fatalf("profile %s: %v", p, err)
		}
		if len(e.Trials) != want[p] {
			t.Errorf("profile %s: %d trials, want %d", p, len(e.Trials), want[p])
		}
	}
}
