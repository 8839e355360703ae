package arrowio

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/ssmlab/ssmlab/internal/suggest"
)

// Value lists the Go types a column can be read as.
type Value interface {
	string | int64 | int32 | float64 | float32 | bool |
		[]string | []int64 | []int32 | []float64 | []float32 | []bool
}

// Column reads the named column of t as []T. Integer columns widen without
// loss (an int32 column reads as int64), float32 reads as float64, string
// accepts large_string, and a list type accepts list, large_list and
// fixed_size_list. "parent.field" reads a field of a struct column. A
// missing column, a type that does not convert, or a
// null value is an error naming the file and the column, e.g.
//
//	data.arrow: column "answer": want int64, have string
func Column[T Value](t *Table, name string) (_ []T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: column %q: cannot read: %v", t.Path, name, r)
		}
	}()
	idx, child, dt, err := resolve(t, name)
	if err != nil {
		return nil, err
	}
	get, want := getter[T](dt)
	if get == nil {
		return nil, fmt.Errorf("%s: column %q: want %s, have %s", t.Path, name, want, TypeName(dt))
	}
	out := make([]T, 0, t.NumRows())
	row := 0
	for ri, rec := range t.Records {
		col := rec.Column(idx)
		var parent arrow.Array
		if child >= 0 {
			parent, col = col, col.(*array.Struct).Field(child)
		}
		for i := range int(rec.NumRows()) {
			v, ok := get(col, i)
			if parent != nil && parent.IsNull(i) {
				ok = false
			}
			if !ok {
				return nil, fmt.Errorf("%s: column %q: row %d is null or holds a null element", t.files[ri], name, row)
			}
			out = append(out, v)
			row++
		}
	}
	return out, nil
}

// resolve finds column name of t: a top-level column, or "parent.field",
// a field of a struct column (the Hub's ARC choices.text). child is -1 for
// a top-level column.
func resolve(t *Table, name string) (idx, child int, dt arrow.DataType, err error) {
	if i := t.Schema.FieldIndices(name); len(i) > 0 {
		return i[0], -1, t.Schema.Field(i[0]).Type, nil
	}
	if parent, field, ok := strings.Cut(name, "."); ok {
		if i := t.Schema.FieldIndices(parent); len(i) > 0 {
			st, isStruct := t.Schema.Field(i[0]).Type.(*arrow.StructType)
			if !isStruct {
				return 0, 0, nil, fmt.Errorf("%s: column %q is %s, not a struct with field %q", t.Path, parent, TypeName(t.Schema.Field(i[0]).Type), field)
			}
			c, found := st.FieldIdx(field)
			if !found {
				var names []string
				for _, f := range st.Fields() {
					names = append(names, f.Name)
				}
				return 0, 0, nil, fmt.Errorf("%s: struct column %q has no field %q%s (fields: %v)", t.Path, parent, field, suggest.Hint(field, names), names)
			}
			return i[0], c, st.Field(c).Type, nil
		}
	}
	return 0, 0, nil, fmt.Errorf("%s: no column %q%s (columns: %v)", t.Path, name, suggest.Hint(name, t.ColumnNames()), t.ColumnNames())
}

// getter returns a function reading row i of an array of type dt as T, or
// nil and the name of the type T stands for if dt does not convert.
func getter[T Value](dt arrow.DataType) (func(arrow.Array, int) (T, bool), string) {
	var zero T
	switch any(zero).(type) {
	case string:
		return cast[T](scalarGetter[string](dt)), "string"
	case int64:
		return cast[T](scalarGetter[int64](dt)), "int64"
	case int32:
		return cast[T](scalarGetter[int32](dt)), "int32"
	case float64:
		return cast[T](scalarGetter[float64](dt)), "float64"
	case float32:
		return cast[T](scalarGetter[float32](dt)), "float32"
	case bool:
		return cast[T](scalarGetter[bool](dt)), "bool"
	case []string:
		return cast[T](listGetter[string](dt)), "list<string>"
	case []int64:
		return cast[T](listGetter[int64](dt)), "list<int64>"
	case []int32:
		return cast[T](listGetter[int32](dt)), "list<int32>"
	case []float64:
		return cast[T](listGetter[float64](dt)), "list<float64>"
	case []float32:
		return cast[T](listGetter[float32](dt)), "list<float32>"
	case []bool:
		return cast[T](listGetter[bool](dt)), "list<bool>"
	}
	return nil, "?"
}

func cast[T any, U any](f func(arrow.Array, int) (U, bool)) func(arrow.Array, int) (T, bool) {
	if f == nil {
		return nil
	}
	return func(a arrow.Array, i int) (T, bool) {
		v, ok := f(a, i)
		return any(v).(T), ok
	}
}

// listGetter reads list rows whose elements convert to E.
func listGetter[E string | int64 | int32 | float64 | float32 | bool](dt arrow.DataType) func(arrow.Array, int) ([]E, bool) {
	lt, ok := dt.(arrow.ListLikeType)
	if id := dt.ID(); !ok || (id != arrow.LIST && id != arrow.LARGE_LIST && id != arrow.FIXED_SIZE_LIST) {
		return nil
	}
	elem := scalarGetter[E](lt.Elem())
	if elem == nil {
		return nil
	}
	return func(a arrow.Array, i int) ([]E, bool) {
		if a.IsNull(i) {
			return nil, false
		}
		l := a.(array.ListLike)
		beg, end := l.ValueOffsets(i)
		vals := l.ListValues()
		out := make([]E, 0, end-beg)
		for j := int(beg); j < int(end); j++ {
			v, ok := elem(vals, j)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
}
