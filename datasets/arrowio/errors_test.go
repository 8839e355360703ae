package arrowio

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func TestColumnErrors(t *testing.T) {
	tab, err := NewTable("data.arrow", Col{"question", []string{"q"}}, Col{"answer", []string{"1"}},
		Col{"ids", [][]int64{{1}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		read func() error
		want string
	}{
		{"wrong scalar type", func() error { _, err := Column[int64](tab, "answer"); return err },
			`data.arrow: column "answer": want int64, have string`},
		{"missing column", func() error { _, err := Column[string](tab, "answr"); return err },
			`data.arrow: no column "answr" (did you mean answer?) (columns: [question answer ids])`},
		{"narrowing", func() error { _, err := Column[[]int32](tab, "ids"); return err },
			`data.arrow: column "ids": want list<int32>, have list<int64>`},
		{"list as scalar", func() error { _, err := Column[string](tab, "ids"); return err },
			`data.arrow: column "ids": want string, have list<int64>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.read()
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestNullIsAnError(t *testing.T) {
	b := array.NewInt64Builder(memory.NewGoAllocator())
	b.AppendValues([]int64{1, 2}, []bool{true, false})
	schema := arrow.NewSchema([]arrow.Field{{Name: "answer", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	tab := &Table{Path: "x.arrow", Schema: schema, Records: []arrow.Record{array.NewRecord(schema, []arrow.Array{b.NewArray()}, 2)}, files: []string{"x.arrow"}}
	_, err := Column[int64](tab, "answer")
	if err == nil || !strings.Contains(err.Error(), `x.arrow: column "answer": row 1 is null`) {
		t.Errorf("got %v", err)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path, want string
	}{
		{write("empty.arrow", nil), "empty file"},
		{write("text.arrow", []byte("question,answer\n")), "not Arrow or Parquet data"},
		{write("par.parquet", []byte("PAR1 but nothing else")), "corrupt or truncated parquet data"},
		{write("arrow.arrow", []byte("ARROW1\x00\x00 short")), "corrupt or truncated arrow-file data"},
		{write("huge.arrow", []byte("\xff\xff\xff\xff\xff\xff\xff\x7f")), "declares 2147483647 bytes"},
		{filepath.Join(dir, "missing.arrow"), "no such file"},
	}
	for _, c := range cases {
		_, err := ReadTable(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line naming the file and %q", c.path, err, c.want)
		}
	}
}

// TestTruncatedAndCorrupt cuts and flips bytes of the pyarrow fixtures: every
// damaged file must give a one-line error naming it (or, when the damage
// misses everything that matters, still read), never a panic.
func TestTruncatedAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"data-00000-of-00001.arrow", "file-format.arrow", "train-00000-of-00001.parquet"} {
		orig := readBytes(t, filepath.Join(fixtureDir(0), name))
		p := filepath.Join(dir, name)
		check := func(what string, data []byte) {
			tab, err := ReadBytes(p, data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), p+": ") || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s %s: error not one line naming the file: %v", name, what, err)
				}
				return
			}
			readAll(t, tab)
		}
		for n := 0; n < len(orig); n += 13 {
			check("truncated", orig[:n])
		}
		for i := 0; i < len(orig); i += 5 {
			data := append([]byte(nil), orig...)
			data[i] ^= 0xA5
			check("flipped", data)
		}
		// Random edits (overwrite, insert, delete), seeded.
		rng := rand.New(rand.NewPCG(1, uint64(len(orig))))
		for range stressN {
			data := append([]byte(nil), orig...)
			for range 1 + rng.IntN(4) {
				i := rng.IntN(len(data))
				switch rng.IntN(3) {
				case 0:
					data[i] = byte(rng.IntN(256))
				case 1:
					data = append(data[:i], append([]byte{byte(rng.IntN(256))}, data[i:]...)...)
				case 2:
					data = append(data[:i], data[i+1:]...)
				}
			}
			check("edited", data)
		}
	}
}

// readAll touches every value of every column as `data cat` would.
func readAll(t testing.TB, tab *Table) {
	for _, rec := range tab.Records {
		for i := range int(rec.NumRows()) {
			if _, err := AppendRowJSON(nil, rec, i); err != nil {
				return
			}
		}
	}
}

var stressN = 600
