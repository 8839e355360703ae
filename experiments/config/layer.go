package config

import (
	_ "embed"
	"errors"
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
// stack holds the absolute paths of the files being read, for cycles.
func readLayers(path, root string, stack []string) ([]*layer, error) {
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
		p := filepath.Join(root, filepath.FromSlash(inc))
		pa, _ := filepath.Abs(p)
		if i := indexOf(stack, pa); i >= 0 {
			return nil, errAt(path, src, []string{"include"}, "include cycle: %s", cycle(stack[i:], pa))
		}
		if _, err := os.Stat(p); err != nil {
			return nil, errAt(path, src, []string{"include"}, "include %q: no such file %s%s", inc, p, suggest.Hint(inc, presetNames(root)))
		}
		ls, err := readLayers(p, root, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return append(out, l), nil
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

// configsRoot is the directory include paths are relative to: the nearest
// enclosing directory named "configs", else the file's own directory.
func configsRoot(path string) string {
	dir := filepath.Dir(path)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if filepath.Base(d) == "configs" {
			if rel, err := filepath.Rel(mustWD(), d); err == nil && !strings.HasPrefix(rel, "..") {
				return rel
			}
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func mustWD() string {
	wd, _ := os.Getwd()
	return wd
}

// presetNames lists the .toml files under root, for include did-you-means.
func presetNames(root string) []string {
	var names []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".toml") {
			if rel, err := filepath.Rel(root, p); err == nil {
				names = append(names, filepath.ToSlash(rel))
			}
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
