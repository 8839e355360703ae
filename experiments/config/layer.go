package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/suggest"
)

// defaultsTOML is the bottom layer of every load.
//
//go:embed defaults.toml
var defaultsTOML []byte

// DefaultsFile is how errors and SCHEMA.md name the embedded defaults.
const DefaultsFile = "experiments/config/defaults.toml"

// layer is one file of a load: its source, its raw table and its includes.
type layer struct {
	file string // as given or as joined with the configs directory
	src  []byte
	raw  map[string]any
}

// readLayers reads path and, depth first, the presets it includes, and
// returns them in merge order (includes before the file that names them).
// root is the folder tree path's relative includes resolve inside; stack
// holds the absolute paths of the files being read, for cycles; outside
// collects the absolute includes (files outside the tree) for validate.
func readLayers(path, root string, stack []string, outside *[]string) ([]*layer, error) {
	abs, _ := filepath.Abs(path)
	src, err := fsx.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Msg: "no such file"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	l := &layer{file: path, src: src, raw: map[string]any{}}
	if _, err := toml.Decode(string(src), &l.raw); err != nil {
		e, _ := tomlError(path, src, err)
		return nil, e
	}
	stack = append(stack, abs)
	var out []*layer
	incs, err := l.includes()
	if err != nil {
		return nil, err
	}
	for _, inc := range incs {
		p, incRoot, err := resolveInclude(path, root, inc)
		if err != nil {
			return nil, errAt(path, src, []string{"include"}, "%v", err)
		}
		if incRoot != root {
			*outside = append(*outside, fmt.Sprintf("%s includes %s, outside %s (an absolute include)", path, p, root))
		}
		pa, _ := filepath.Abs(p)
		if i := indexOf(stack, pa); i >= 0 {
			return nil, errAt(path, src, []string{"include"}, "include cycle: %s", cycle(stack[i:], pa))
		}
		ls, err := readLayers(p, incRoot, stack, outside)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return append(out, l), nil
}

// resolveInclude finds the file an include of the file from names, and
// the tree that file's own includes resolve in.
//
// An absolute include is that file, whose tree is its own (treeRoot). A
// relative one must stay inside the including file's tree: it names no
// "..", and is looked up in the including file's folder, then each folder
// above it up to root, the first that has it winning (so a preset in
// configs/train/ includes "data/suite.toml" from configs/data/). A file
// reached through a symlink that leaves the tree is refused.
func resolveInclude(from, root, inc string) (path, incRoot string, err error) {
	if inc == "" {
		return "", "", fmt.Errorf("include: an empty file name")
	}
	native := filepath.FromSlash(inc)
	if filepath.IsAbs(native) {
		p := filepath.Clean(native)
		if _, err := os.Stat(p); err != nil {
			return "", "", fmt.Errorf("include %q: no such file", inc)
		}
		return p, treeRoot(p), nil
	}
	if !filepath.IsLocal(native) {
		return "", "", fmt.Errorf("include %q leaves %s; relative includes resolve inside the including file's tree, so name a file outside it by its absolute path", inc, root)
	}
	rootAbs, _ := filepath.Abs(root)
	dir, _ := filepath.Abs(filepath.Dir(from))
	for {
		p := filepath.Join(dir, native)
		if _, err := os.Stat(p); err == nil {
			if err := insideTree(p, rootAbs); err != nil {
				return "", "", fmt.Errorf("include %q: %v", inc, err)
			}
			return relToWD(p), root, nil
		}
		if dir == rootAbs || !strings.HasPrefix(dir, rootAbs+string(filepath.Separator)) {
			break
		}
		dir = filepath.Dir(dir)
	}
	return "", "", fmt.Errorf("include %q: no such file in %s or a folder above it up to the tree's root %s; copy the preset into the tree or include it by absolute path%s",
		inc, relToWD(filepath.Dir(from)), rootAbs, suggest.Hint(inc, presetNames(root)))
}

// insideTree refuses a path whose real location (symlinks followed) is
// outside root's.
func insideTree(p, root string) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("%s resolves to %s, outside %s (through a symlink); include it by its absolute path if that is meant", p, real, root)
	}
	return nil
}

// includes returns the file's include list, checking its type.
func (l *layer) includes() ([]string, error) {
	v, ok := l.raw["include"]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	var out []string
	for _, x := range arr {
		s, isStr := x.(string)
		if !isStr {
			ok = false
			break
		}
		out = append(out, s)
	}
	if !ok {
		return nil, errAt(l.file, l.src, []string{"include"}, "include must be an array of file names, e.g. include = [\"models/mamba.toml\"]")
	}
	return out, nil
}

// treeRoot is the folder tree a file's relative includes resolve inside:
// the nearest enclosing folder named "configs"; else the working folder,
// if it holds the file (a copy of configs/ under another name, run from
// its top); else the file's own folder.
func treeRoot(path string) string {
	dir := filepath.Dir(path)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if filepath.Base(d) == "configs" {
			return relToWD(d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if wd := mustWD(); wd != "" && (abs == wd || strings.HasPrefix(abs, wd+string(filepath.Separator))) {
		return "."
	}
	return dir
}

// relToWD shortens an absolute path below the working folder to a
// relative one, for messages.
func relToWD(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	if rel, err := filepath.Rel(mustWD(), p); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return p
}

func mustWD() string {
	wd, _ := os.Getwd()
	return wd
}

// presetNames lists the .toml files under root, for include did-you-means:
// at most three folders deep, hidden folders skipped, the first 500 (the
// root may be the working folder, a home directory).
func presetNames(root string) []string {
	var names []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(names) >= 500 {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && rel != "." && (strings.HasPrefix(d.Name(), ".") || strings.Count(rel, string(filepath.Separator)) >= 2) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".toml") {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names
}

func cycle(stack []string, back string) string {
	var parts []string
	for _, p := range append(stack, back) {
		if rel, err := filepath.Rel(mustWD(), p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " -> ")
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
