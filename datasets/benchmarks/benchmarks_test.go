package benchmarks

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

type expected struct {
	Task string `json:"task"`
	DocRequests
}

func readExpected(t *testing.T, dir string) map[string][]DocRequests {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected_requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]DocRequests{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e expected
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out[e.Task] = append(out[e.Task], e.DocRequests)
	}
	return out
}

// TestRequestsMatchLMEval: the zero-shot requests of every task, read from
// the Hub's Parquet shards (and ARC-Easy from an HF datasets cache file),
// equal those lm-evaluation-harness builds from the same rows.
func TestRequestsMatchLMEval(t *testing.T) {
	// tasks: the generator's seed 0; seed1: its seed 1 (other rows)
	for _, dir := range []string{filepath.Join("testdata", "tasks"), filepath.Join("testdata", "seed1")} {
		want := readExpected(t, dir)
		if len(want) != 8 {
			t.Fatalf("%s: expected_requests.jsonl covers %d tasks, want 8", dir, len(want))
		}
		paths := map[string]string{}
		for task := range want {
			paths[task] = filepath.Join(dir, task)
		}
		paths["arc_easy (hf cache)"] = filepath.Join(dir, "arc_easy", "hf_cache", "0.0.0", "0123456789abcdef", "ai2_arc-test.arrow")
		paths["arc_easy (hf cache folder)"] = filepath.Join(dir, "arc_easy", "hf_cache")
		paths["piqa (one file)"] = filepath.Join(dir, "piqa", "validation-00000-of-00001.parquet")
		for label, path := range paths {
			name, _, _ := strings.Cut(label, " ")
			spec, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			task, err := spec.Load(path, 0)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			got, err := Requests(task, 0, 0)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			if !reflect.DeepEqual(got, want[name]) {
				t.Errorf("%s %s: requests differ\n got %+v\nwant %+v", dir, label, got, want[name])
			}
		}
	}
}

func TestMissingData(t *testing.T) {
	spec, _ := Lookup("mmlu_anatomy")
	_, err := spec.Locate(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), filepath.Join("mmlu", "anatomy")) ||
		!strings.Contains(err.Error(), "huggingface-cli download cais/mmlu --repo-type dataset") {
		t.Errorf("missing mmlu data: %v", err)
	}
	arc, _ := Lookup("arc_easy")
	if _, err := arc.Load(filepath.Join("testdata", "tasks", "arc_easy"), 1); err == nil || !strings.Contains(err.Error(), "train split") {
		t.Errorf("1-shot arc without train: %v", err)
	}
	if _, err := arc.Load(filepath.Join("testdata", "tasks", "piqa"), 0); err == nil || !strings.Contains(err.Error(), "piqa: no column") {
		t.Errorf("arc on piqa rows: %v", err)
	}
	if _, err := Lookup("hellaswg"); err == nil || !strings.Contains(err.Error(), "did you mean hellaswag") {
		t.Errorf("typo: %v", err)
	}
}

// A save_to_disk folder (data-00000-of-00001.arrow, an Arrow stream, with
// state.json naming it and the split) reads like the hub shard it was
// written from.
func TestSaveToDiskFolder(t *testing.T) {
	want := readExpected(t, filepath.Join("testdata", "tasks"))
	for _, task := range []string{"arc_challenge", "hellaswag", "mmlu_high_school_computer_science"} {
		spec, _ := Lookup(task)
		tab, err := arrowio.ReadTable(filepath.Join("testdata", "tasks", task, spec.Eval+"-00000-of-00001.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), task)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := arrowio.WriteFile(filepath.Join(dir, "data-00000-of-00001.arrow"), tab, arrowio.Stream); err != nil {
			t.Fatal(err)
		}
		state := `{"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_split": "` + spec.Eval + `"}`
		if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o644); err != nil {
			t.Fatal(err)
		}
		loaded, err := spec.Load(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Requests(loaded, 0, 0)
		if err != nil || !reflect.DeepEqual(got, want[task]) {
			t.Errorf("%s from save_to_disk: %v\n got %+v\nwant %+v", task, err, got, want[task])
		}
	}
}

// Shots come from the train shard beside the test shard, whether the path
// is the folder or the test file.
func TestShotsFromTrainShard(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", "tasks", "arc_easy", "test-00000-of-00001.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for _, split := range []string{"train", "test"} {
		if err := os.WriteFile(filepath.Join(dir, split+"-00000-of-00001.parquet"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec, _ := Lookup("arc_easy")
	zero, err := spec.Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, docs, _ := zero.Eval()
	for _, path := range []string{dir, filepath.Join(dir, "test-00000-of-00001.parquet")} {
		task, err := spec.Load(path, 2)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ctxs, err := task.Contexts(2)
		if err != nil {
			t.Fatal(err)
		}
		// CPython: random.Random(1234).sample(range(6), 2) = [3, 0]
		want := docs[3].Text + " " + docs[3].Target() + "\n\n" + docs[0].Text + " " + docs[0].Target() + "\n\n" + docs[0].Text
		if ctxs[0] != want {
			t.Errorf("%s: doc 0 context\n got %q\nwant %q", path, ctxs[0], want)
		}
	}
}

// Missing lists each named task without data under the root with the
// command Locate names; an MMLU group with no subject there is one entry
// fetching every subject, one with some subjects there lists the others.
func TestMissingList(t *testing.T) {
	root := t.TempDir()
	got, err := Missing(root, []string{"mmlu", "winogrande"})
	if err != nil {
		t.Fatal(err)
	}
	wino, _ := Lookup("winogrande")
	want := []MissingTask{
		{Task: "mmlu", Dir: filepath.Join(root, "mmlu"), Download: mmluDownload(filepath.Join(root, "mmlu"))},
		{Task: "winogrande", Dir: filepath.Join(root, "winogrande"), Download: wino.Download(filepath.Join(root, "winogrande"))},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("empty root:\n got %+v\nwant %+v", got, want)
	}
	if _, err := wino.Locate(root); err == nil || !strings.Contains(err.Error(), want[1].Download) {
		t.Errorf("Locate's error does not give Missing's command: %v", err)
	}
	for _, d := range []string{filepath.Join("mmlu", "anatomy"), "winogrande"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err = Missing(root, []string{"mmlu", "winogrande"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(GroupTasks("mmlu"))-1 || got[0].Task != "mmlu_abstract_algebra" || got[0].Dir != filepath.Join(root, "mmlu_abstract_algebra") {
		t.Errorf("one subject there: %d missing, first %+v", len(got), got[0])
	}
	for _, m := range got {
		if m.Task == "mmlu_anatomy" || m.Task == "winogrande" {
			t.Errorf("%s is there but listed", m.Task)
		}
	}
	if _, err := Missing(root, []string{"hellaswg"}); err == nil || !strings.Contains(err.Error(), "did you mean hellaswag") {
		t.Errorf("unknown task: %v", err)
	}
}
