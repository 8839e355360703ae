package arrowio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/suggest"
)

// Dataset is a set of data files found by path, grouped into splits.
type Dataset struct {
	Path   string
	Layout string  // file, save_to_disk, save_to_disk_dict, hf_cache or folder
	Splits []Split // train, validation, test first, then by name
}

// Split is one named split and its shard files in order.
type Split struct {
	Name  string
	Files []string
}

// Find locates the data at path: a single .arrow/.parquet file; an HF
// save_to_disk folder (state.json, or dataset_dict.json over split
// folders); an HF cache folder <ns>___<ds>/<config>/<version>/<hash>/ with
// <ds>-<split>[-SSSSS-of-NNNNN].arrow and dataset_info.json (or any folder
// above a single such leaf); a hub folder of data/<split>-SSSSS-of-NNNNN.parquet
// shards; or a folder of <split>/0000.parquet. Files named cache-*.arrow (HF
// map caches) and hidden files are ignored.
func Find(path string) (*Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return &Dataset{Path: path, Layout: "file", Splits: []Split{{splitOf(stem(path), nil, ""), []string{path}}}}, nil
	}
	if exists(filepath.Join(path, "dataset_dict.json")) {
		return findDict(path)
	}
	if exists(filepath.Join(path, "state.json")) {
		return findSaved(path)
	}
	if files := dataFiles(path); len(files) > 0 {
		return findLeaf(path, files)
	}
	var leaves []string
	findLeaves(path, 4, &leaves)
	switch {
	case len(leaves) == 0:
		return nil, fmt.Errorf("%s: no .arrow or .parquet data files in this folder or below", path)
	case len(leaves) == 1:
		d, err := Find(leaves[0])
		if d != nil {
			d.Path = path
		}
		return d, err
	}
	return findSplitFolders(path, leaves)
}

// findSplitFolders reads folders whose names are splits, each holding
// split-less shards (the hub's refs/convert/parquet <split>/0000.parquet).
func findSplitFolders(path string, leaves []string) (*Dataset, error) {
	d := &Dataset{Path: path, Layout: "folder"}
	var rel []string
	for _, l := range leaves {
		r, _ := filepath.Rel(path, l)
		rel = append(rel, r)
	}
	for _, l := range leaves {
		if filepath.Dir(l) != filepath.Dir(leaves[0]) || exists(filepath.Join(l, "dataset_info.json")) || exists(filepath.Join(l, "state.json")) || hasSplits(l) {
			return nil, &SeveralError{Path: path, Leaves: leaves, rel: rel}
		}
		d.Splits = append(d.Splits, Split{filepath.Base(l), dataFiles(l)})
	}
	sortSplits(d.Splits)
	return d, nil
}

// SeveralError is Find's answer for a folder holding several datasets
// (the output root of `ssmlab data gen`, or its mc/ folder of task
// families): FindAll reads each.
type SeveralError struct {
	Path   string
	Leaves []string // the datasets' folders
	rel    []string
}

func (e *SeveralError) Error() string {
	return fmt.Sprintf("%s: holds several datasets (%s); give the path of one", e.Path, strings.Join(e.rel, ", "))
}

// hasSplits reports whether a folder's own data files name more than one
// split (train.arrow and test.arrow): a dataset, not one split's shards.
func hasSplits(dir string) bool {
	names := map[string]bool{}
	for _, f := range dataFiles(dir) {
		names[splitOf(stem(f), nil, filepath.Base(dir))] = true
	}
	return len(names) > 1
}

// FindAll is Find for a path that may hold several datasets: one Dataset
// each, with Path the dataset's folder.
func FindAll(path string) ([]*Dataset, error) {
	d, err := Find(path)
	var several *SeveralError
	if !errors.As(err, &several) {
		if err != nil {
			return nil, err
		}
		return []*Dataset{d}, nil
	}
	var out []*Dataset
	for _, l := range several.Leaves {
		d, err := Find(l)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Split returns the named split; "" means the only split.
func (d *Dataset) Split(name string) (Split, error) {
	var names []string
	for _, s := range d.Splits {
		if s.Name == name || (name == "" && len(d.Splits) == 1) {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if name == "" {
		return Split{}, fmt.Errorf("%s: has splits %s; pick one", d.Path, strings.Join(names, ", "))
	}
	return Split{}, fmt.Errorf("%s: no split %q%s (splits: %s)", d.Path, name, suggest.Hint(name, names), strings.Join(names, ", "))
}

// Load finds the dataset at path and reads one split ("" for the only one).
func Load(path, split string) (*Table, error) {
	d, err := Find(path)
	if err != nil {
		return nil, err
	}
	s, err := d.Split(split)
	if err != nil {
		return nil, err
	}
	return ReadFiles(path, s.Files...)
}

// Scan streams the record batches of files in order to fn, one at a time.
func Scan(files []string, fn func(file string, schema *arrow.Schema, rec arrow.Record) error) error {
	for _, p := range files {
		r, err := Open(p)
		if err != nil {
			return err
		}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err == nil {
				err = fn(p, r.Schema(), rec)
				rec.Release()
			}
			if err != nil {
				r.Close()
				return err
			}
		}
		if err := r.Close(); err != nil {
			return err
		}
	}
	return nil
}

var shardSuffix = regexp.MustCompile(`-\d{5}-of-\d{5}$`)

// splitOf names the split of a file from its name without extension:
// <ds>-<split>, <split>, each with an optional -SSSSS-of-NNNNN shard
// suffix; known lists the split names of dataset_info.json if any; a name
// of digits (0000.parquet) takes the folder's name.
func splitOf(name string, known []string, dir string) string {
	base := shardSuffix.ReplaceAllString(name, "")
	best := ""
	for _, s := range known {
		if (base == s || strings.HasSuffix(base, "-"+s)) && len(s) > len(best) {
			best = s
		}
	}
	switch {
	case best != "":
		return best
	case strings.Trim(base, "0123456789") == "" && dir != "":
		return dir
	case base == "data":
		return "train"
	case strings.Contains(base, "-"):
		return base[strings.LastIndex(base, "-")+1:]
	}
	return base
}

func stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readJSON(path string, v any) error {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

var splitOrder = map[string]int{"train": 0, "validation": 1, "test": 2}

func sortSplits(s []Split) {
	sort.SliceStable(s, func(i, j int) bool {
		oi, iok := splitOrder[s[i].Name]
		oj, jok := splitOrder[s[j].Name]
		if iok != jok {
			return iok
		}
		if iok {
			return oi < oj
		}
		return s[i].Name < s[j].Name
	})
}
