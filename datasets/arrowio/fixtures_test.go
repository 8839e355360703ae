package arrowio

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// expected is expected.json of testdata/fixtures/seedN/arrow, written by
// pyarrow beside the three data files (tools/make_fixtures.py).
type expected struct {
	Question []string   `json:"question"`
	Choices  [][]string `json:"choices"`
	Answer   []int64    `json:"answer"`
	InputIDs [][]int32  `json:"input_ids"`
}

func fixtureDir(seed int) string {
	return filepath.Join("..", "..", "testdata", "fixtures", fmt.Sprintf("seed%d", seed), "arrow")
}

func TestPyarrowFixtures(t *testing.T) {
	files := []struct {
		name   string
		format Format
	}{
		{"data-00000-of-00001.arrow", Stream},
		{"file-format.arrow", File},
		{"train-00000-of-00001.parquet", Parquet},
	}
	wantTypes := map[string]string{"question": "string", "choices": "list<string>", "answer": "int64", "input_ids": "list<int32>"}
	for seed := range 3 {
		dir := fixtureDir(seed)
		raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want expected
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			path := filepath.Join(dir, f.name)
			t.Run(fmt.Sprintf("seed%d/%s", seed, f.name), func(t *testing.T) {
				if got, err := DetectFormat(path); err != nil || got != f.format {
					t.Fatalf("DetectFormat = %v, %v; want %v", got, err, f.format)
				}
				tab, err := ReadTable(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, fld := range tab.Schema.Fields() {
					if TypeName(fld.Type) != wantTypes[fld.Name] {
						t.Errorf("column %q: type %s, want %s", fld.Name, TypeName(fld.Type), wantTypes[fld.Name])
					}
				}
				got := expected{
					Question: must(Column[string](tab, "question")),
					Choices:  must(Column[[]string](tab, "choices")),
					Answer:   must(Column[int64](tab, "answer")),
					InputIDs: must(Column[[]int32](tab, "input_ids")),
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("columns differ from expected.json:\n got %v\nwant %v", got, want)
				}
				checkRowsJSON(t, tab, raw)
			})
		}
	}
}

// checkRowsJSON renders every row as `data cat` does and compares the
// columns it spells with expected.json.
func checkRowsJSON(t *testing.T, tab *Table, expectedJSON []byte) {
	t.Helper()
	cols := map[string][]any{}
	for _, rec := range tab.Records {
		for i := range int(rec.NumRows()) {
			line, err := AppendRowJSON(nil, rec, i)
			if err != nil {
				t.Fatal(err)
			}
			var row map[string]any
			if err := json.Unmarshal(line, &row); err != nil {
				t.Fatalf("row JSON %s: %v", line, err)
			}
			for k, v := range row {
				cols[k] = append(cols[k], v)
			}
		}
	}
	var want map[string][]any
	if err := json.Unmarshal(expectedJSON, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("rows as JSON differ from expected.json")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
