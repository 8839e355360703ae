package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// guarded lists the results folders being written (see Guard).
var guarded struct {
	sync.Mutex
	roots []string // absolute and clean; may repeat
}

// Guard marks root as a results tree until release is called: while it
// is marked, every write through this package to a path below root
// (WriteAtomic, OpenWrite, OpenAppend) is refused if a folder between
// root and the file is a symbolic link, so a link planted inside the tree
// cannot send writes elsewhere. Root itself may be a link.
func Guard(root string) (release func()) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return func() {}
	}
	guarded.Lock()
	guarded.roots = append(guarded.roots, abs)
	guarded.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			guarded.Lock()
			defer guarded.Unlock()
			for i, r := range guarded.roots {
				if r == abs {
					guarded.roots = append(guarded.roots[:i], guarded.roots[i+1:]...)
					return
				}
			}
		})
	}
}

// checkGuarded refuses a write to path when a folder between a guarded
// root and path is a symbolic link (or not a folder).
func checkGuarded(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	guarded.Lock()
	var root string
	for _, r := range guarded.roots {
		if strings.HasPrefix(abs, r+string(filepath.Separator)) && len(r) > len(root) {
			root = r
		}
	}
	guarded.Unlock()
	if root == "" {
		return nil
	}
	rel, _ := filepath.Rel(root, filepath.Dir(abs))
	p := root
	for _, part := range splitPath(rel) {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // created later, as a real folder
		case err != nil:
			return err
		case st.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: %w", p, ErrSymlink)
		case !st.IsDir():
			return fmt.Errorf("%s: %s, not a folder", p, kind(st.Mode()))
		}
	}
	return nil
}
