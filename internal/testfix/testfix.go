// Package testfix locates the reference fixtures under the repository's
// testdata/fixtures and compares tensors with the "relative to the largest
// value" rule the parity tests use. It is for tests only; it imports
// nothing from ssmlab but safetensors.
package testfix

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ssmlab/ssmlab/models/safetensors"
)

// Root returns the repository root (the directory holding go.mod), found by
// walking up from the working directory of the test.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testfix: no go.mod above the test directory")
		}
		dir = parent
	}
}

// Dirs returns every testdata/fixtures/<seed>/<model> directory that holds
// a reference.safetensors, sorted; the test fails if there is none.
func Dirs(t testing.TB, model string) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(Root(t), "testdata", "fixtures", "*", model, "reference.safetensors"))
	sort.Strings(dirs)
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	if len(dirs) == 0 {
		t.Fatalf("testfix: no fixtures for %s under testdata/fixtures", model)
	}
	return dirs
}

// Name is a short label for a fixture directory: "seed0/gpt_neox".
func Name(dir string) string {
	return filepath.Join(filepath.Base(filepath.Dir(dir)), filepath.Base(dir))
}

// Reference opens dir/reference.safetensors.
func Reference(t testing.TB, dir string) *safetensors.File {
	t.Helper()
	f, err := safetensors.ReadFile(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Float32 returns a float tensor of f, failing the test if it is absent.
func Float32(t testing.TB, f *safetensors.File, name string) []float32 {
	t.Helper()
	x, _, err := f.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// IDs returns input_ids as ints with the batch and length.
func IDs(t testing.TB, f *safetensors.File) (ids []int, B, T int) {
	t.Helper()
	x, shape, err := f.Int64("input_ids")
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 {
		t.Fatalf("input_ids has shape %v, want [B, T]", shape)
	}
	ids = make([]int, len(x))
	for i, v := range x {
		ids[i] = int(v)
	}
	return ids, shape[0], shape[1]
}

// RelErr returns max|got − want| / max|want| (the error relative to the
// largest reference value), or an error if the lengths differ.
func RelErr(got, want []float32) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	var diff, scale float64
	for i, w := range want {
		diff = math.Max(diff, math.Abs(float64(got[i])-float64(w)))
		scale = math.Max(scale, math.Abs(float64(w)))
		if math.IsNaN(float64(got[i])) {
			return math.Inf(1), nil
		}
	}
	if scale == 0 {
		return diff, nil
	}
	return diff / scale, nil
}

// Close fails the test if RelErr(got, want) exceeds tol, and returns it.
func Close(t testing.TB, what string, got, want []float32, tol float64) float64 {
	t.Helper()
	e, err := RelErr(got, want)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if e > tol {
		t.Errorf("%s: max error %.3g of the largest value, tolerance %.3g", what, e, tol)
	}
	return e
}

// SeedDirs returns every testdata/fixtures/seed* directory, sorted. A test
// that loops over them runs on every fixture size the script produced.
func SeedDirs(t testing.TB) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(Root(t), "testdata", "fixtures", "seed*"))
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Fatal("testfix: no testdata/fixtures/seed* directories")
	}
	return dirs
}

// Read opens a safetensors file or fails the test.
func Read(t testing.TB, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// RelMaxErr is RelErr with +Inf for a length mismatch or a NaN.
func RelMaxErr(got, want []float32) float64 {
	e, err := RelErr(got, want)
	if err != nil || math.IsNaN(e) {
		return math.Inf(1)
	}
	return e
}

// CloseErr returns an error naming the tensor when RelMaxErr exceeds tol.
func CloseErr(name string, got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, reference has %d", name, len(got), len(want))
	}
	if e := RelMaxErr(got, want); e > tol {
		return fmt.Errorf("%s: max error %.3g of the largest reference value exceeds %.3g", name, e, tol)
	}
	return nil
}

// IDsOf returns the integer tensor name of f (I64 or I32, shape [B, T]) as
// ints with its two dimensions, or fails the test.
func IDsOf(t testing.TB, f *safetensors.File, name string) (ids []int, b, tt int) {
	t.Helper()
	x, shape, err := f.Int64(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 {
		t.Fatalf("%s: %s has shape %v, want [B, T]", f.Path, name, shape)
	}
	ids = make([]int, len(x))
	for i, v := range x {
		ids[i] = int(v)
	}
	return ids, shape[0], shape[1]
}
