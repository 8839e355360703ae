package fsx

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Temporary names. WriteAtomic writes ".<name>.tmp<digits>" beside its
// target; callers that stage a folder name it TempDirPrefix + something;
// folders set aside for deletion are named TrashPrefix + something. A run
// killed midway leaves them behind; CleanTemps removes them.
const (
	TempDirPrefix = ".tmp-"
	TrashPrefix   = ".trash-"
)

func tempPattern(base string) string { return "." + base + ".tmp*" }

// IsTemp reports whether name is one of the temporary names above.
func IsTemp(name string) bool {
	if strings.HasPrefix(name, TempDirPrefix) || strings.HasPrefix(name, TrashPrefix) {
		return true
	}
	i := strings.LastIndex(name, ".tmp")
	if !strings.HasPrefix(name, ".") || i <= 1 {
		return false
	}
	for _, c := range name[i+len(".tmp"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// HasTemps reports whether dir holds a temporary file or folder (IsTemp)
// at any depth, without following symbolic links.
func HasTemps(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != dir && IsTemp(d.Name()) {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// CleanTemps removes the temporary files and folders (IsTemp) under dir,
// at any depth, and returns the paths removed. Call it only while holding
// the lock of dir: a live writer's temporary file would go too. Symbolic
// links are not followed.
func CleanTemps(dir string) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && os.IsNotExist(err) {
				return filepath.SkipAll
			}
			return err
		}
		if p == dir || !IsTemp(d.Name()) {
			return nil
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		removed = append(removed, p)
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	return removed, err
}
