package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var regen = flag.Bool("regen", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -regen.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *regen {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plots/report -regen to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run go test ./plots/report -regen if the change is intended):\n%s", name, got)
	}
}
