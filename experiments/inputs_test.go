package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
)

// A finished artifact whose file was truncated or deleted is refused with
// a line saying which file, and rebuilt under --force to the same bytes.
func TestDamagedArtifactIsRefusedThenRebuiltUnderForce(t *testing.T) {
	e, res := loadSelftest(t), t.TempDir()
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	bases, _ := filepath.Glob(filepath.Join(res, "artifacts", "selftest-base", "*", "base.json"))
	if len(bases) != 3 {
		t.Fatalf("bases %v", bases)
	}
	want, _ := os.ReadFile(bases[0])
	os.WriteFile(bases[0], want[:len(want)/2], 0o644) // truncated
	os.Remove(bases[1])                               // missing
	_, err := runIn(t, e, res, Options{Force: false})
	if err == nil || !strings.Contains(err.Error(), "is damaged: base.json") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("damaged artifact: err = %v", err)
	}
	if _, err := runIn(t, e, res, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	for _, b := range bases[:2] {
		got, err := os.ReadFile(b)
		if err != nil || len(got) == 0 {
			t.Fatalf("%s not rebuilt: %v", b, err)
		}
	}
	if got, _ := os.ReadFile(bases[0]); string(got) != string(want) {
		t.Errorf("rebuilt base.json differs:\n%s\nwant\n%s", got, want)
	}
	// flipped bytes of the same size pass the size check but not --force's hash check
	b, _ := os.ReadFile(bases[2])
	b[len(b)/2] ^= 1
	os.WriteFile(bases[2], b, 0o644)
	if _, err := runIn(t, e, res, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := runIn(t, e, res, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(bases[2]); string(got) == string(b) {
		t.Error("--force kept an artifact file whose bytes changed")
	}
}

// Every model and dataset path anywhere in a spec is an input, once.
func TestInputRootsFindsNestedPaths(t *testing.T) {
	type inner struct {
		M config.Model
	}
	spec := struct {
		A    inner
		B    *config.Model
		Data map[string]config.Dataset
		L    []any
	}{
		A:    inner{config.Model{Path: "/m1"}},
		B:    &config.Model{Path: "/m2"},
		Data: map[string]config.Dataset{"x": {Path: "/d", Tokenizer: "/tok.json"}, "y": {Builtin: "mc"}},
		L:    []any{config.Model{Path: "/m1"}},
	}
	got := strings.Join(inputRoots(spec), " ")
	if got != "/d /m1 /m2 /tok.json" {
		t.Errorf("roots %q", got)
	}
}

// A changed file is hashed again even where the cache knows its path; an
// unchanged one is taken from the cache; a missing one is recorded so.
func TestFingerprintsCacheAndRehash(t *testing.T) {
	dir, res := t.TempDir(), t.TempDir()
	m := filepath.Join(dir, "model")
	os.MkdirAll(filepath.Join(m, ".git"), 0o755)
	os.WriteFile(filepath.Join(m, "config.json"), []byte(`{"a":1}`), 0o644)
	os.WriteFile(filepath.Join(m, ".git", "HEAD"), []byte("x"), 0o644)
	spec := config.Model{Path: m}
	ins, err := newFingerprints(res, false).of(spec)
	if err != nil || len(ins) != 1 || ins[0].Path != filepath.Join(m, "config.json") || ins[0].SHA256 == "" {
		t.Fatalf("%+v %v", ins, err)
	}
	// a cache entry with the file's size and mtime is trusted...
	f := newFingerprints(res, false)
	f.load()
	abs, _ := filepath.Abs(filepath.Join(m, "config.json"))
	c := f.cache[abs]
	c.SHA256 = "cached"
	f.cache[abs] = c
	f.save()
	if ins, _ := newFingerprints(res, false).of(spec); ins[0].SHA256 != "cached" {
		t.Errorf("cache not used: %+v", ins)
	}
	// ...but not under --force, nor once the size changes
	if ins, _ := newFingerprints(res, true).of(spec); ins[0].SHA256 != ins0(t, spec) {
		t.Errorf("deep fingerprint used the cache: %+v", ins)
	}
	os.WriteFile(filepath.Join(m, "config.json"), []byte(`{"a":12}`), 0o644)
	ins2, _ := newFingerprints(res, false).of(spec)
	if ins2[0].SHA256 == "cached" || ins2[0].SHA256 == ins[0].SHA256 {
		t.Errorf("changed file not hashed again: %+v", ins2)
	}
	a, _ := store.NewConfig(spec, "1", ins...)
	b, _ := store.NewConfig(spec, "1", ins2...)
	if a.Hash == b.Hash || !strings.Contains(store.Diff(a, b), "content changed") {
		t.Errorf("hash %s vs %s, diff %q", a.Hash, b.Hash, store.Diff(a, b))
	}
	if plain, _ := store.NewConfig(spec, "1"); plain.Hash == a.Hash {
		t.Error("inputs do not enter the hash")
	}
	os.RemoveAll(m)
	ins3, err := newFingerprints(res, false).of(spec)
	if err != nil || len(ins3) != 1 || !ins3[0].Missing {
		t.Errorf("missing model dir: %+v %v", ins3, err)
	}
}

func ins0(t *testing.T, v any) string {
	t.Helper()
	ins, err := newFingerprints(t.TempDir(), false).of(v)
	if err != nil {
		t.Fatal(err)
	}
	return ins[0].SHA256
}
