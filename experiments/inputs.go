package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// FingerprintFile is the cache, in the results directory, of the content
// hashes of input files, keyed by absolute path, size and modification
// time: a file whose size and mtime are unchanged is not read again, one
// whose size or mtime changed is hashed again.
const FingerprintFile = "fingerprints.json"

// inputRoots returns the paths outside the results tree that v (a trial or
// an artifact spec) names: every config.Model's path (an HF directory) and
// every config.Dataset's path and tokenizer, found anywhere inside v, so
// that a spec embedding another (a fine-tune embedding its base) names its
// inputs too. Sorted, without duplicates.
func inputRoots(v any) []string {
	seen := map[string]bool{}
	var walk func(x reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !x.IsNil() {
				walk(x.Elem())
			}
			return
		case reflect.Map:
			for _, k := range x.MapKeys() {
				walk(x.MapIndex(k))
			}
			return
		case reflect.Slice, reflect.Array:
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
			return
		case reflect.Struct:
		default:
			return
		}
		switch s := x.Interface().(type) {
		case config.Model:
			seen[s.Path] = true
		case config.Dataset:
			seen[s.Path], seen[s.Tokenizer] = true, true
		}
		for i := 0; i < x.NumField(); i++ {
			if x.Type().Field(i).IsExported() {
				walk(x.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// fingerprints hashes input files for one run, trusting the cache in the
// results directory for files whose size and mtime are unchanged (unless
// deep, as under --force) and hashing each file at most once per run.
type fingerprints struct {
	path string // results/fingerprints.json
	deep bool   // ignore the cache: hash every file again

	mu      sync.Mutex
	cache   map[string]store.Input // by absolute path
	loaded  bool
	changed bool
	done    map[string]store.Input // hashed by this run, by absolute path
}

func newFingerprints(results string, deep bool) *fingerprints {
	return &fingerprints{path: filepath.Join(results, FingerprintFile), deep: deep, done: map[string]store.Input{}}
}

// of returns the inputs under the roots v names, in order (see inputRoots).
func (f *fingerprints) of(v any) ([]store.Input, error) {
	roots := inputRoots(v)
	if len(roots) == 0 {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.load()
	var out []store.Input
	for _, root := range roots {
		ins, err := f.root(root)
		if err != nil {
			return nil, err
		}
		out = append(out, ins...)
	}
	if f.changed {
		f.save()
	}
	return out, nil
}

// root fingerprints a file, or every regular file under a directory
// (hidden names skipped, symbolic links to files followed, as in a Hugging
// Face cache snapshot). A missing root is recorded as missing: the key
// changes, and the run fails where the file is read, with that reader's
// message.
func (f *fingerprints) root(root string) ([]store.Input, error) {
	st, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return []store.Input{{Path: root, Missing: true}}, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Mode().IsRegular() {
		in, err := f.file(root, root, st)
		return []store.Input{in}, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a regular file or directory", root)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var out []store.Input
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != real && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p) // follows a link to a file
		if err != nil || !st.Mode().IsRegular() {
			return nil // a dangling link, a FIFO, a link to a directory: not something a loader reads
		}
		rel, err := filepath.Rel(real, p)
		if err != nil {
			return err
		}
		in, err := f.file(filepath.Join(root, rel), p, st)
		out = append(out, in)
		return err
	})
	return out, err
}

// file fingerprints one regular file, named name in the config and found
// at path.
func (f *fingerprints) file(name, path string, st fs.FileInfo) (store.Input, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return store.Input{}, err
	}
	in := store.Input{Path: name, Size: st.Size(), ModTime: st.ModTime().UnixNano()}
	if c, ok := f.done[abs]; ok && c.Size == in.Size && c.ModTime == in.ModTime {
		in.SHA256 = c.SHA256
		return in, nil
	}
	if c, ok := f.cache[abs]; ok && !f.deep && c.Size == in.Size && c.ModTime == in.ModTime && c.SHA256 != "" {
		in.SHA256 = c.SHA256
		f.done[abs] = in
		return in, nil
	}
	fh, err := fsx.Open(path)
	if err != nil {
		return store.Input{}, err
	}
	defer fh.Close()
	sum, n, err := store.FileSHA256(fh)
	if err != nil {
		return store.Input{}, fmt.Errorf("%s: %v", path, err)
	}
	if n != in.Size {
		return store.Input{}, fmt.Errorf("%s: changed while it was read (%d bytes, then %d); run again once it is complete", path, in.Size, n)
	}
	in.SHA256 = sum
	f.done[abs] = in
	f.cache[abs] = store.Input{Path: abs, Size: in.Size, ModTime: in.ModTime, SHA256: sum}
	f.changed = true
	return in, nil
}

// load reads the cache; a missing or unreadable cache is an empty one.
func (f *fingerprints) load() {
	if f.loaded {
		return
	}
	f.loaded = true
	f.cache = map[string]store.Input{}
	b, err := fsx.ReadFile(f.path)
	if err != nil {
		return
	}
	var list []store.Input
	if json.Unmarshal(b, &list) != nil {
		return
	}
	for _, in := range list {
		f.cache[in.Path] = in
	}
}

// save writes the cache atomically. It is only a cache: a failure to write
// it (or a concurrent process's write winning) costs hashing again later.
func (f *fingerprints) save() {
	list := make([]store.Input, 0, len(f.cache))
	for _, in := range f.cache {
		list = append(list, in)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	b, err := json.MarshalIndent(list, "", "  ")
	if err == nil && os.MkdirAll(filepath.Dir(f.path), 0o755) == nil {
		fsx.WriteFileAtomic(f.path, append(b, '\n'))
	}
	f.changed = false
}
