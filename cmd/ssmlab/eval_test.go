package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var taskData = filepath.Join("..", "..", "datasets", "benchmarks", "testdata", "tasks")

// The eval requests contract: for every task, the printed documents equal
// lm-eval's requests for the same rows (expected_requests.jsonl, less its
// task key), in order.
func TestEvalRequestsContract(t *testing.T) {
	f, err := os.Open(filepath.Join(taskData, "expected_requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string][]map[string]any{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		task := m["task"].(string)
		delete(m, "task")
		want[task] = append(want[task], m)
	}
	for task, docs := range want {
		code, out, errs := runCLI(t, "eval", "requests", "--task", task, "--data", filepath.Join(taskData, task))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", task, code, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(docs) {
			t.Fatalf("%s: %d lines, want %d", task, len(lines), len(docs))
		}
		for i, l := range lines {
			var got map[string]any
			if err := json.Unmarshal([]byte(l), &got); err != nil {
				t.Fatalf("%s line %d: %v", task, i, err)
			}
			if !reflect.DeepEqual(got, docs[i]) {
				t.Errorf("%s doc %d:\n got %v\nwant %v", task, i, got, docs[i])
			}
		}
	}
	code, out, _ := runCLI(t, "eval", "requests", "--task", "hellaswag", "--data", filepath.Join(taskData, "hellaswag"), "--limit", "2")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("--limit 2: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestEvalRequestsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--task", "arc_easy"}, 2, "--task and --data are required"},
		{[]string{"--task", "arc_esy", "--data", taskData}, 1, "did you mean arc_easy"},
		{[]string{"--task", "piqa", "--data", filepath.Join(taskData, "nope")}, 1, "huggingface-cli download baber/piqa --repo-type dataset"},
		{[]string{"--task", "piqa", "--data", filepath.Join(taskData, "piqa"), "--num-fewshot", "1"}, 1, "train split"},
	} {
		code, out, errs := runCLI(t, append([]string{"eval", "requests"}, c.args...)...)
		if code != c.code || out != "" || !strings.Contains(errs, c.msg) || strings.Count(errs, "\n") > 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.msg)
		}
	}
}
