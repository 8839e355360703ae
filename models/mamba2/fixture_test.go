package mamba2_test

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ssmlab/ssmlab/models/safetensors"
)

// fixtureDirs returns every testdata/fixtures/seed*/mamba2 directory: the
// parity tests run on every fixture size the script produced.
func fixtureDirs(t testing.TB) []string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = filepath.Dir(dir)
	}
	dirs, _ := filepath.Glob(filepath.Join(dir, "testdata", "fixtures", "seed*", "mamba2"))
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Fatal("no testdata/fixtures/seed*/mamba2 fixtures")
	}
	return dirs
}

type reference struct{ f *safetensors.File }

func readReference(t testing.TB, dir string) reference {
	t.Helper()
	f, err := safetensors.ReadFile(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return reference{f}
}

func (r reference) floats(t testing.TB, name string) []float32 {
	t.Helper()
	x, _, err := r.f.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// ids returns input_ids and its shape.
func (r reference) ids(t testing.TB) ([]int, int, int) {
	t.Helper()
	x, shape, err := r.f.Int64("input_ids")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(x))
	for i, v := range x {
		ids[i] = int(v)
	}
	return ids, shape[0], shape[1]
}

// relMaxErr returns max|got − want| / max|want|, +Inf on a length mismatch
// or NaN.
func relMaxErr(got, want []float32) float64 {
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

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}
