package arrowio

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// mkData writes a small table of n rows to path in the format its name implies.
func mkData(t *testing.T, path string, n int) {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	tab, err := NewTable(path, Col{"id", ids})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(path, tab); err != nil {
		t.Fatal(err)
	}
}

func mkFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// splits renders a dataset as "layout: train=a,b test=c" with file names
// relative to root.
func splits(root string, d *Dataset) string {
	var parts []string
	for _, s := range d.Splits {
		var fs []string
		for _, f := range s.Files {
			r, _ := filepath.Rel(root, f)
			fs = append(fs, filepath.ToSlash(r))
		}
		parts = append(parts, s.Name+"="+strings.Join(fs, ","))
	}
	return d.Layout + ": " + strings.Join(parts, " ")
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	// HF cache: <ns>___<ds>/<config>/<version>/<hash>/ with a map cache file to ignore.
	leaf := filepath.Join(root, "cache", "ssmlab___toy", "default", "0.0.0", "abc123")
	mkData(t, filepath.Join(leaf, "toy-train.arrow"), 3)
	mkData(t, filepath.Join(leaf, "toy-test-00000-of-00002.arrow"), 2)
	mkData(t, filepath.Join(leaf, "toy-test-00001-of-00002.arrow"), 2)
	mkData(t, filepath.Join(leaf, "cache-0123abcd.arrow"), 1)
	mkFile(t, filepath.Join(leaf, "dataset_info.json"), `{"splits": {"train": {}, "test": {}}}`)
	mkFile(t, filepath.Join(leaf, "LICENSE"), "")
	// save_to_disk DatasetDict.
	saved := filepath.Join(root, "saved")
	mkFile(t, filepath.Join(saved, "dataset_dict.json"), `{"splits": ["train", "validation"]}`)
	for _, s := range []string{"train", "validation"} {
		mkData(t, filepath.Join(saved, s, "data-00000-of-00001.arrow"), 2)
		mkFile(t, filepath.Join(saved, s, "state.json"), `{"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_split": null}`)
	}
	// Hub parquet: data/<split>-SSSSS-of-NNNNN.parquet.
	hub := filepath.Join(root, "hub")
	mkData(t, filepath.Join(hub, "data", "train-00000-of-00002.parquet"), 2)
	mkData(t, filepath.Join(hub, "data", "train-00001-of-00002.parquet"), 2)
	mkData(t, filepath.Join(hub, "data", "test-00000-of-00001.parquet"), 2)
	mkFile(t, filepath.Join(hub, "README.md"), "# toy")
	// refs/convert/parquet: <config>/<split>/0000.parquet.
	conv := filepath.Join(root, "convert", "default")
	mkData(t, filepath.Join(conv, "train", "0000.parquet"), 2)
	mkData(t, filepath.Join(conv, "validation", "0000.parquet"), 2)

	cases := []struct{ path, rel, want string }{
		{leaf, leaf, "hf_cache: train=toy-train.arrow test=toy-test-00000-of-00002.arrow,toy-test-00001-of-00002.arrow"},
		{filepath.Join(root, "cache", "ssmlab___toy"), leaf, "hf_cache: train=toy-train.arrow test=toy-test-00000-of-00002.arrow,toy-test-00001-of-00002.arrow"},
		{filepath.Join(leaf, "toy-train.arrow"), leaf, "file: train=toy-train.arrow"},
		{saved, saved, "save_to_disk_dict: train=train/data-00000-of-00001.arrow validation=validation/data-00000-of-00001.arrow"},
		{filepath.Join(saved, "validation"), filepath.Join(saved, "validation"), "save_to_disk: train=data-00000-of-00001.arrow"},
		{hub, hub, "folder: train=data/train-00000-of-00002.parquet,data/train-00001-of-00002.parquet test=data/test-00000-of-00001.parquet"},
		{conv, conv, "folder: train=train/0000.parquet validation=validation/0000.parquet"},
	}
	for _, c := range cases {
		d, err := Find(c.path)
		if err != nil {
			t.Errorf("Find(%s): %v", c.path, err)
			continue
		}
		if got := splits(c.rel, d); got != c.want {
			t.Errorf("Find(%s):\n got %s\nwant %s", c.path, got, c.want)
		}
	}

	tab, err := Load(filepath.Join(root, "cache"), "test")
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := Column[int64](tab, "id"); err != nil || !reflect.DeepEqual(ids, []int64{0, 1, 0, 1}) {
		t.Errorf("Load test split: %v %v", ids, err)
	}
	for _, c := range []struct{ path, split, want string }{
		{leaf, "tset", `no split "tset" (did you mean test?)`},
		{leaf, "", "has splits train, test; pick one"},
		{root, "", "holds several datasets"},
		{filepath.Join(root, "nothing"), "", "no such file"},
	} {
		if _, err := Load(c.path, c.split); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s, %q) = %v, want %q", c.path, c.split, err, c.want)
		}
	}
}
