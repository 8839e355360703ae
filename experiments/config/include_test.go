package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A tree of configs copied to a folder not named configs works when run
// from its top: a file in a subfolder finds presets in folders above it.
func TestIncludeFromAnyFolder(t *testing.T) {
	top := filepath.Join(t.TempDir(), "x")
	writeFiles(t, top, map[string]string{
		"paper/exp.toml":    "name = \"exp\"\nkind = \"fake\"\ninclude = [\"train/t.toml\"]\n",
		"train/t.toml":      "include = [\"data/d.toml\"]\n[train]\nsteps = 70\n",
		"data/d.toml":       "seed = 4\n",
		"alone/solo.toml":   "name = \"solo\"\nkind = \"fake\"\ninclude = [\"data/d.toml\"]\n",
		"alone/data/d.toml": "seed = 9\n",
	})
	t.Chdir(top)
	e, err := Load(filepath.Join("paper", "exp.toml"), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Train.Steps != 70 || e.Seed != 4 || len(e.Outside) != 0 {
		t.Errorf("steps %d seed %d outside %v", e.Train.Steps, e.Seed, e.Outside)
	}
	// the nearest folder that has the file wins
	if e, err := Load(filepath.Join(top, "alone", "solo.toml"), testOpts); err != nil || e.Seed != 9 {
		t.Errorf("nearest include: %v, %+v", err, e)
	}
}

// An absolute include is that file (not glued onto the including file's
// folder); its own relative includes resolve in its tree; Load reports it
// as outside the experiment's tree.
func TestIncludeAbsolute(t *testing.T) {
	presets := filepath.Join(t.TempDir(), "presets")
	writeFiles(t, presets, map[string]string{"m.toml": "include = [\"d.toml\"]\n[train]\nsteps = 50\n", "d.toml": "seed = 2\n"})
	dir := filepath.Join(t.TempDir(), "configs")
	abs := filepath.Join(presets, "m.toml")
	writeFiles(t, dir, map[string]string{"x.toml": "name = \"x\"\nkind = \"fake\"\ninclude = [\"" + filepath.ToSlash(abs) + "\"]\n"})
	e, err := Load(filepath.Join(dir, "x.toml"), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Train.Steps != 50 || e.Seed != 2 {
		t.Errorf("steps %d seed %d", e.Train.Steps, e.Seed)
	}
	if len(e.Outside) != 1 || !strings.Contains(e.Outside[0], abs) || !strings.Contains(e.Outside[0], "outside") {
		t.Errorf("Outside = %q", e.Outside)
	}
}

// A relative include may not leave the including file's tree, by ".." or
// through a symlink; the error says to use an absolute path.
func TestIncludeStaysInsideItsTree(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{"secret.toml": "seed = 1\n"})
	dir := filepath.Join(base, "configs")
	writeFiles(t, dir, map[string]string{
		"up.toml":   "name = \"x\"\nkind = \"fake\"\ninclude = [\"../secret.toml\"]\n",
		"deep.toml": "name = \"x\"\nkind = \"fake\"\ninclude = [\"a/../../../../../etc/hostname\"]\n",
		"link.toml": "name = \"x\"\nkind = \"fake\"\ninclude = [\"models/s.toml\"]\n",
	})
	os.MkdirAll(filepath.Join(dir, "models"), 0o755)
	if err := os.Symlink(filepath.Join(base, "secret.toml"), filepath.Join(dir, "models", "s.toml")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	for file, want := range map[string]string{
		"up.toml":   `include "../secret.toml" leaves`,
		"deep.toml": `leaves`,
		"link.toml": `through a symlink`,
	} {
		_, err := Load(filepath.Join(dir, file), testOpts)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file+":3:") {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
	if _, err := Load(filepath.Join(dir, "up.toml"), testOpts); err == nil || !strings.Contains(err.Error(), "absolute path") {
		t.Errorf("the error does not say how to include a file outside: %v", err)
	}
}

// Precedence: defaults < presets < presets' [profile.NAME] < the file <
// the file's [profile.NAME]. A preset's profile section never replaces a
// value the user's file sets.
func TestProfileSectionsOfPresetsDoNotBeatTheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "configs")
	writeFiles(t, dir, map[string]string{
		"train/eval.toml": "[eval]\nshots = [0, 5]\nitems = 10\n[profile.quick.eval]\nshots = [0, 1, 3]\nitems = 3\n",
		"mine.toml":       "name = \"x\"\nkind = \"fake\"\ninclude = [\"train/eval.toml\"]\n[eval]\nshots = [0, 1, 2, 4]\n",
		"own.toml":        "name = \"x\"\nkind = \"fake\"\ninclude = [\"train/eval.toml\"]\n[eval]\nshots = [0, 1, 2, 4]\n[profile.quick.eval]\nshots = [0, 2]\n",
	})
	e, err := Load(filepath.Join(dir, "mine.toml"), Options{Profile: "quick", Kinds: testOpts.Kinds, Params: testOpts.Params})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(e.Eval.Shots); got != "[0 1 2 4]" || e.Eval.Items != 3 {
		t.Errorf("quick: shots %s (want the file's [0 1 2 4]), items %d (want the preset's quick 3)", got, e.Eval.Items)
	}
	e, err = Load(filepath.Join(dir, "own.toml"), Options{Profile: "quick", Kinds: testOpts.Kinds, Params: testOpts.Params})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(e.Eval.Shots); got != "[0 2]" {
		t.Errorf("the file's own quick section: shots %s, want [0 2]", got)
	}
}

// --set values beat the file and every profile, are checked like a file's
// lines, and Values says where each setting came from.
func TestSetOverridesAndSources(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "configs")
	writeFiles(t, dir, map[string]string{
		"train/eval.toml": "[eval]\nshots = [0, 5]\n[profile.quick.eval]\nitems = 3\n",
		"x.toml":          "name = \"x\"\nkind = \"fake\"\ninclude = [\"train/eval.toml\"]\n[eval]\nbatch_size = 4\n[profile.quick]\nseed = 7\n",
	})
	opt := testOpts
	opt.Profile = "quick"
	opt.Sets = []string{"eval.shots=[0,1]", "train.steps=200", "seed=9", "precision=bf16"}
	e, err := Load(filepath.Join(dir, "x.toml"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(e.Eval.Shots) != "[0 1]" || e.Train.Steps != 200 || e.Seed != 9 || e.Precision.String() != "bf16" {
		t.Errorf("shots %v steps %d seed %d precision %v", e.Eval.Shots, e.Train.Steps, e.Seed, e.Precision)
	}
	src := map[string]string{}
	for _, v := range e.Values {
		src[v.Key] = v.TOML + " # " + v.Source
	}
	for key, want := range map[string]string{
		"eval.shots":      "[0, 1] # command line (--set eval.shots=[0,1])",
		"eval.items":      "3 # profile quick (" + filepath.Join(dir, "train/eval.toml") + ":4)",
		"eval.batch_size": "4 # file (" + filepath.Join(dir, "x.toml") + ":5)",
		"eval.bootstrap":  "1000 # default (" + DefaultsFile + ":",
		"method":          `"full" # default (`,
	} {
		if !strings.HasPrefix(src[key], want) {
			t.Errorf("%s: %q, want %q...", key, src[key], want)
		}
	}
	for set, want := range map[string]string{
		"train.stpes=3":        `--set train.stpes=3: unknown key "stpes" in [train] (did you mean steps?)`,
		"train.steps=\"many\"": `--set train.steps="many": train.steps: wrong type: must be an integer`,
		"eval.shots=[0,":       `is not a TOML value`,
		"steps":                `want key=value`,
		"profile.quick.seed=1": `profile cannot be set from the command line`,
	} {
		opt.Sets = []string{set}
		if _, err := Load(filepath.Join(dir, "x.toml"), opt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--set %s: %v, want %q", set, err, want)
		}
	}
}
