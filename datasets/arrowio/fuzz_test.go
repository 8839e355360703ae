package arrowio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzRead is the body of the reader fuzz targets: any input either reads
// (and every value can then be rendered) or fails with one line naming the
// file; it never panics, hangs or exhausts memory.
func fuzzRead(t *testing.T, name string, data []byte) {
	if len(data) > maxFuzzInput {
		return
	}
	tab, err := ReadBytes(name, data)
	if err != nil {
		if msg := err.Error(); !strings.HasPrefix(msg, name+": ") || strings.Contains(msg, "\n") {
			t.Fatalf("error is not one line naming the file: %q", msg)
		}
		return
	}
	readAll(t, tab)
	for _, c := range tab.ColumnNames() {
		Column[string](tab, c)
		Column[[]int64](tab, c)
	}
}

// addSeeds adds small ssmlab-written files in the given formats. Small
// seeds keep the fuzzer fast: it minimizes every input that finds new
// coverage, which for the 6 kB pyarrow fixtures takes most of a short run
// (TestTruncatedAndCorrupt damages those systematically instead).
func addSeeds(f *testing.F, formats ...Format) {
	tab, err := NewTable("seed", Col{"q", []string{"a", "bc"}}, Col{"n", []int64{1, -2}},
		Col{"ids", [][]int32{{1, 2}, {}}}, Col{"x", []float32{0.5, 1}})
	if err != nil {
		f.Fatal(err)
	}
	for _, format := range formats {
		p := filepath.Join(f.TempDir(), "seed")
		if err := WriteFile(p, tab, format); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// Caps that keep each fuzz execution fast (thousands a second), so a short
// run explores instead of waiting on a few huge inputs: inputs beyond
// maxFuzzInput bytes are skipped, and no buffer may exceed fuzzAllocLimit
// (a declared size beyond it gets the same one-line error as beyond the
// real limit, which TestTruncatedAndCorrupt covers).
const (
	maxFuzzInput   = 64 << 10
	fuzzAllocLimit = 1 << 20
)

func fuzzLimits(f *testing.F) {
	old := minAllocLimit
	minAllocLimit = fuzzAllocLimit
	f.Cleanup(func() { minAllocLimit = old })
}

func FuzzReadArrow(f *testing.F) {
	fuzzLimits(f)
	addSeeds(f, Stream, File)
	f.Add([]byte("\xff\xff\xff\xff\x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "fuzz.arrow", data) })
}

func FuzzReadParquet(f *testing.F) {
	fuzzLimits(f)
	addSeeds(f, Parquet)
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "fuzz.parquet", data) })
}
