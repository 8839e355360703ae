// Package testfix locates the PyTorch reference fixtures under testdata/
// from any package's tests and compares tensors the way the parity tests
// state their tolerances: the largest absolute difference relative to the
// largest magnitude of the reference tensor. Test helper only.
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

// Root returns the module root (the directory holding go.mod), found by
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
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("testfix: no go.mod above the test directory")
		}
		dir = up
	}
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

// Float32 returns tensor name of f as float32 or fails the test.
func Float32(t testing.TB, f *safetensors.File, name string) []float32 {
	t.Helper()
	x, _, err := f.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// RelMaxErr returns max|got−want| / max|want| (the absolute error when want
// is all zero), and +Inf when the lengths differ or got has a NaN.
func RelMaxErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var diff, scale float64
	for i, w := range want {
		d := math.Abs(float64(got[i]) - float64(w))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		diff = math.Max(diff, d)
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// Close returns an error naming the tensor when RelMaxErr exceeds tol.
func Close(name string, got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, reference has %d", name, len(got), len(want))
	}
	if e := RelMaxErr(got, want); e > tol {
		return fmt.Errorf("%s: max error %.3g of the largest reference value exceeds %.3g", name, e, tol)
	}
	return nil
}

// IDs returns the integer tensor name of f (I64 or I32, shape [B, T]) as
// ints with its two dimensions, or fails the test.
func IDs(t testing.TB, f *safetensors.File, name string) (ids []int, b, tt int) {
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
