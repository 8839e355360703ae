package arrowio

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// Table is the record batches of one or more files that share a schema.
type Table struct {
	Path    string // what was read (a file or a dataset folder), for messages
	Schema  *arrow.Schema
	Records []arrow.Record
	files   []string // the file each record came from
}

// NumRows is the total number of rows.
func (t *Table) NumRows() int {
	n := 0
	for _, r := range t.Records {
		n += int(r.NumRows())
	}
	return n
}

// ColumnNames lists the columns in schema order.
func (t *Table) ColumnNames() []string {
	names := make([]string, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		names[i] = f.Name
	}
	return names
}

// ReadTable reads every record batch of one data file.
func ReadTable(path string) (*Table, error) {
	return ReadFiles(path, path)
}

// ReadBytes reads a whole data file held in memory; name is used in
// messages.
func ReadBytes(name string, data []byte) (*Table, error) {
	r, err := NewReader(name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	t := &Table{Path: name, Schema: r.Schema()}
	if err := t.appendAll(r); err != nil {
		return nil, err
	}
	return t, nil
}

// ReadFiles reads the files (shards of one split, in order) into one table
// named name. All files must have the same column names and types.
func ReadFiles(name string, paths ...string) (*Table, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no data files", name)
	}
	t := &Table{Path: name}
	for _, p := range paths {
		r, err := Open(p)
		if err != nil {
			return nil, err
		}
		if t.Schema == nil {
			t.Schema = r.Schema()
		} else if err := sameColumns(t.Schema, r.Schema()); err != nil {
			r.Close()
			return nil, fmt.Errorf("%s: %v in %s", p, err, paths[0])
		}
		if err := t.appendAll(r); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// appendAll appends the records of r to t and closes r.
func (t *Table) appendAll(r *Reader) error {
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return r.Close()
		}
		if err != nil {
			r.Close()
			return err
		}
		t.Records = append(t.Records, rec)
		t.files = append(t.files, r.Path)
	}
}

// sameColumns compares names and types, ignoring metadata and nullability.
func sameColumns(a, b *arrow.Schema) error {
	if a.NumFields() != b.NumFields() {
		return fmt.Errorf("has %d columns where there are %d", b.NumFields(), a.NumFields())
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || TypeName(fa.Type) != TypeName(fb.Type) {
			return fmt.Errorf("column %d is %q %s where it is %q %s", i, fb.Name, TypeName(fb.Type), fa.Name, TypeName(fa.Type))
		}
	}
	return nil
}

// TypeName writes a type the way pyarrow and HF datasets users know it:
// string, int64, list<int32>, struct<text: list<string>, label: string>.
func TypeName(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.StringType:
		return "string"
	case *arrow.LargeStringType:
		return "large_string"
	case *arrow.ListType:
		return "list<" + TypeName(t.Elem()) + ">"
	case *arrow.LargeListType:
		return "large_list<" + TypeName(t.Elem()) + ">"
	case *arrow.FixedSizeListType:
		return fmt.Sprintf("fixed_size_list<%s, %d>", TypeName(t.Elem()), t.Len())
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = f.Name + ": " + TypeName(f.Type)
		}
		return "struct<" + strings.Join(parts, ", ") + ">"
	}
	return dt.String()
}
