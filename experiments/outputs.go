package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// OutputsFile lists, in a finished artifact's directory, every file the
// build left (path relative to the directory, size, SHA-256), so that a
// later run notices a file deleted or truncated since: a size check on
// every use, the full hash under --force.
const OutputsFile = "outputs.json"

// notOutputs are the files of an artifact directory that change after the
// build or say nothing about its results.
var notOutputs = map[string]bool{store.DoneFile: true, "LOCK": true, store.ProvenanceFile: true, OutputsFile: true}

// writeOutputs records the files of dir in dir/OutputsFile.
func writeOutputs(dir string) error {
	var list []store.Input
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || notOutputs[d.Name()] && filepath.Dir(p) == dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fh, err := fsx.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		sum, n, err := store.FileSHA256(fh)
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		list = append(list, store.Input{Path: filepath.ToSlash(rel), Size: n, SHA256: sum})
		return nil
	})
	if err != nil {
		return err
	}
	return store.WriteJSON(filepath.Join(dir, OutputsFile), list)
}

// checkOutputs says what is wrong with a finished artifact's files ("" if
// nothing): a file listed in OutputsFile that is gone or has another size,
// or (deep) other bytes. An artifact from before OutputsFile existed cannot
// be checked: it passes, except when deep, where it counts as damaged.
func checkOutputs(dir string, deep bool) (string, error) {
	b, err := fsx.ReadFile(filepath.Join(dir, OutputsFile))
	if errors.Is(err, fs.ErrNotExist) {
		if deep {
			return "it has no " + OutputsFile + " to check its files against", nil
		}
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var list []store.Input
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Sprintf("%s is corrupt (%v)", OutputsFile, err), nil
	}
	for _, o := range list {
		p := filepath.Join(dir, filepath.FromSlash(o.Path))
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return o.Path + " is missing", nil
		case err != nil:
			return "", err
		case !st.Mode().IsRegular():
			return o.Path + " is not a regular file", nil
		case st.Size() != o.Size:
			return fmt.Sprintf("%s has %d bytes, %d when built", o.Path, st.Size(), o.Size), nil
		}
		if !deep {
			continue
		}
		fh, err := fsx.Open(p)
		if err != nil {
			return "", err
		}
		sum, _, err := store.FileSHA256(fh)
		fh.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %v", p, err)
		}
		if sum != o.SHA256 {
			return o.Path + " has other bytes than when built", nil
		}
	}
	return "", nil
}

// clearArtifact empties dir for a rebuild, keeping the LOCK its caller
// holds: DONE goes first, so no reader takes a half-cleared directory for a
// finished one.
func clearArtifact(dir string) error {
	if err := os.Remove(filepath.Join(dir, store.DoneFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
