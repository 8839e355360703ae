package arrowio

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sampleTable has every column type NewTable builds, 2500 rows so that the
// writers cut several batches, unicode, empty strings and empty lists.
func sampleTable(t *testing.T, rows int) *Table {
	t.Helper()
	var (
		s   []string
		i64 []int64
		i32 []int32
		f64 []float64
		f32 []float32
		b   []bool
		ls  [][]string
		li  [][]int32
		ll  [][]int64
		lf  [][]float32
	)
	words := []string{"", "a", "café", "日本語", "😀 x\n\"q\"", "tab\there"}
	for r := range rows {
		s = append(s, fmt.Sprintf("%s#%d", words[r%len(words)], r))
		i64 = append(i64, int64(r)*1e12-5)
		i32 = append(i32, int32(r)-1000)
		f64 = append(f64, float64(r)/3)
		f32 = append(f32, float32(r)/7)
		b = append(b, r%3 == 0)
		ls = append(ls, words[:r%4])
		li = append(li, []int32{int32(r), -1, 2}[:r%4%3])
		ll = append(ll, []int64{int64(r) << 40})
		lf = append(lf, []float32{})
	}
	tab, err := NewTable("sample", Col{"s", s}, Col{"i64", i64}, Col{"i32", i32}, Col{"f64", f64},
		Col{"f32", f32}, Col{"b", b}, Col{"ls", ls}, Col{"li", li}, Col{"ll", ll}, Col{"lf", lf})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// columns reads every column of tab back as Go values, in a map by name.
func columns(t *testing.T, tab *Table) map[string]any {
	t.Helper()
	m := map[string]any{}
	var err error
	get := func(name string, v any, e error) {
		if e != nil {
			err = e
		}
		m[name] = v
	}
	{
		v, e := Column[string](tab, "s")
		get("s", v, e)
	}
	{
		v, e := Column[int64](tab, "i64")
		get("i64", v, e)
	}
	{
		v, e := Column[int32](tab, "i32")
		get("i32", v, e)
	}
	{
		v, e := Column[float64](tab, "f64")
		get("f64", v, e)
	}
	{
		v, e := Column[float32](tab, "f32")
		get("f32", v, e)
	}
	{
		v, e := Column[bool](tab, "b")
		get("b", v, e)
	}
	{
		v, e := Column[[]string](tab, "ls")
		get("ls", v, e)
	}
	{
		v, e := Column[[]int32](tab, "li")
		get("li", v, e)
	}
	{
		v, e := Column[[]int64](tab, "ll")
		get("ll", v, e)
	}
	{
		v, e := Column[[]float32](tab, "lf")
		get("lf", v, e)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	for _, rows := range []int{0, 1, 2500} {
		src := sampleTable(t, rows)
		want := columns(t, src)
		for _, f := range []Format{Stream, File, Parquet} {
			t.Run(fmt.Sprintf("%s/%d", f, rows), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "t.data")
				if err := WriteFile(path, src, f); err != nil {
					t.Fatal(err)
				}
				if got, err := DetectFormat(path); err != nil || got != f {
					t.Fatalf("DetectFormat = %v, %v", got, err)
				}
				back, err := ReadTable(path)
				if err != nil {
					t.Fatal(err)
				}
				if back.NumRows() != rows {
					t.Fatalf("%d rows, want %d", back.NumRows(), rows)
				}
				for i, fld := range back.Schema.Fields() {
					if w := TypeName(src.Schema.Field(i).Type); TypeName(fld.Type) != w || fld.Name != src.Schema.Field(i).Name {
						t.Errorf("field %d: %s %s, want %s %s", i, fld.Name, TypeName(fld.Type), src.Schema.Field(i).Name, w)
					}
				}
				if got := columns(t, back); !reflect.DeepEqual(got, want) {
					t.Errorf("values differ after the round trip")
				}
				// The same table gives the same bytes; for Arrow IPC so does
				// writing what was read (Parquet readers add field ids and
				// name list elements "list", so a Parquet rewrite differs in
				// metadata only).
				again := filepath.Join(t.TempDir(), "again.data")
				if err := WriteFile(again, src, f); err != nil {
					t.Fatal(err)
				}
				if a, b := readBytes(t, path), readBytes(t, again); !bytes.Equal(a, b) {
					t.Errorf("second write differs: %d vs %d bytes", len(a), len(b))
				}
				if f != Parquet {
					if err := WriteFile(again, back, f); err != nil {
						t.Fatal(err)
					}
					if a, b := readBytes(t, path), readBytes(t, again); !bytes.Equal(a, b) {
						t.Errorf("rewrite differs: %d vs %d bytes", len(a), len(b))
					}
				}
			})
		}
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
