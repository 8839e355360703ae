package arrowio

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// findDict reads a save_to_disk DatasetDict folder: dataset_dict.json
// {"splits": [...]} and one save_to_disk folder per split.
func findDict(path string) (*Dataset, error) {
	var dd struct {
		Splits []string `json:"splits"`
	}
	if err := readJSON(filepath.Join(path, "dataset_dict.json"), &dd); err != nil {
		return nil, err
	}
	d := &Dataset{Path: path, Layout: "save_to_disk_dict"}
	for _, name := range dd.Splits {
		dir, err := within(path, name)
		if err != nil {
			return nil, fmt.Errorf("%s: split %q: %v", filepath.Join(path, "dataset_dict.json"), name, err)
		}
		sub, err := findSaved(dir)
		if err != nil {
			return nil, err
		}
		d.Splits = append(d.Splits, Split{name, sub.Splits[0].Files})
	}
	if len(d.Splits) == 0 {
		return nil, fmt.Errorf("%s: dataset_dict.json lists no splits", filepath.Join(path, "dataset_dict.json"))
	}
	return d, nil
}

// within returns root/name, where name must be one file or folder name
// (no separators, not . or ..) whose path, links resolved, stays inside
// root: a dataset's own files name its splits and data files, and reading
// them must not reach outside it.
func within(root, name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("not a name inside the dataset folder")
	}
	p := filepath.Join(root, name)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return p, nil // missing: reading it says so
	}
	top, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(top, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("a link to %s, outside the dataset folder", real)
	}
	return p, nil
}

// findSaved reads a save_to_disk Dataset folder: state.json names the data
// files in order and the split (null means train).
func findSaved(path string) (*Dataset, error) {
	var st struct {
		DataFiles []struct {
			Filename string `json:"filename"`
		} `json:"_data_files"`
		Split *string `json:"_split"`
	}
	statePath := filepath.Join(path, "state.json")
	if err := readJSON(statePath, &st); err != nil {
		return nil, err
	}
	s := Split{Name: "train"}
	if st.Split != nil && *st.Split != "" {
		s.Name = *st.Split
	}
	for _, f := range st.DataFiles {
		file, err := within(path, f.Filename)
		if err != nil {
			return nil, fmt.Errorf("%s: data file %q: %v", statePath, f.Filename, err)
		}
		s.Files = append(s.Files, file)
	}
	if len(s.Files) == 0 {
		return nil, fmt.Errorf("%s: lists no data files", statePath)
	}
	return &Dataset{Path: path, Layout: "save_to_disk", Splits: []Split{s}}, nil
}

// findLeaf groups the data files of one folder into splits, using the split
// names of dataset_info.json when there is one (an HF cache folder).
func findLeaf(path string, files []string) (*Dataset, error) {
	d := &Dataset{Path: path, Layout: "folder"}
	var known []string
	infoPath := filepath.Join(path, "dataset_info.json")
	if exists(infoPath) {
		var info struct {
			Splits map[string]any `json:"splits"`
		}
		if err := readJSON(infoPath, &info); err != nil {
			return nil, err
		}
		for s := range info.Splits {
			known = append(known, s)
		}
		d.Layout = "hf_cache"
	}
	index := map[string]int{}
	for _, f := range files {
		name := splitOf(stem(f), known, filepath.Base(path))
		i, ok := index[name]
		if !ok {
			i = len(d.Splits)
			index[name] = i
			d.Splits = append(d.Splits, Split{Name: name})
		}
		d.Splits[i].Files = append(d.Splits[i].Files, f)
	}
	sortSplits(d.Splits)
	return d, nil
}

// dataFiles lists the .arrow, .parquet and .feather files of dir by name,
// skipping hidden files and HF's cache-*.arrow map results.
func dataFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "cache-") ||
			(ext != ".arrow" && ext != ".parquet" && ext != ".feather") {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	sort.Strings(out)
	return out
}

// findLeaves collects, depth first, the folders under dir that hold data
// files or are save_to_disk folders, descending at most depth levels.
func findLeaves(dir string, depth int, out *[]string) {
	if depth == 0 {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if len(dataFiles(sub)) > 0 || exists(filepath.Join(sub, "state.json")) || exists(filepath.Join(sub, "dataset_dict.json")) {
			*out = append(*out, sub)
			continue
		}
		findLeaves(sub, depth-1, out)
	}
}
