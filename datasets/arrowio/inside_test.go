//go:build unix

package arrowio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mkSaved writes a save_to_disk folder of one data file.
func mkSaved(t *testing.T, dir string) {
	t.Helper()
	mkData(t, filepath.Join(dir, "data-00000-of-00001.arrow"), 2)
	mkFile(t, filepath.Join(dir, "state.json"), `{"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_split": null}`)
}

// A dataset's own files (dataset_dict.json, state.json) name folders and
// files that must lie inside it: names that climb out, and links that
// resolve outside, are refused.
func TestDatasetReadsStayInside(t *testing.T) {
	root := t.TempDir()
	mkSaved(t, filepath.Join(root, "outside", "secret"))
	ds := filepath.Join(root, "ds")
	mkSaved(t, filepath.Join(ds, "train"))
	if err := os.Symlink(filepath.Join(root, "outside", "secret"), filepath.Join(ds, "linked")); err != nil {
		t.Fatal(err)
	}
	mkSaved(t, filepath.Join(ds, "inner"))
	if err := os.Symlink("inner", filepath.Join(ds, "alias")); err != nil {
		t.Fatal(err)
	}
	dict := filepath.Join(ds, "dataset_dict.json")
	for _, c := range []struct{ splits, want string }{
		{`["train", "../outside/secret"]`, `split "../outside/secret": not a name inside the dataset folder`},
		{`[".."]`, `split "..": not a name inside the dataset folder`},
		{`["/etc"]`, `split "/etc": not a name inside the dataset folder`},
		{`["linked"]`, `split "linked": a link to ` + filepath.Join(root, "outside", "secret")},
		{`["train", "alias"]`, ""}, // a link inside the folder is fine
	} {
		mkFile(t, dict, `{"splits": `+c.splits+`}`)
		_, err := Find(ds)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.splits, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), dict+": ") {
			t.Errorf("%s: err = %v, want %q", c.splits, err, c.want)
		}
	}
	state := filepath.Join(ds, "train", "state.json")
	mkFile(t, state, `{"_data_files": [{"filename": ".."}]}`)
	if _, err := Find(filepath.Join(ds, "train")); err == nil || !strings.Contains(err.Error(), state+`: data file "..": not a name inside`) {
		t.Errorf("state.json naming ..: %v", err)
	}
}

// A path to a file that is not data (say a link to a private file) is
// refused without showing any of its bytes.
func TestNotDataShowsNoBytes(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	mkFile(t, secret, "SECRET-TOKEN=hunter2\n")
	link := filepath.Join(dir, "data.arrow")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	_, err := Load(link, "")
	if err == nil || !strings.Contains(err.Error(), link+": not Arrow or Parquet data") {
		t.Fatalf("err = %v", err)
	}
	for _, leak := range []string{"53 45", "SECRET", "hunter"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the error shows the file's bytes: %v", err)
		}
	}
}
