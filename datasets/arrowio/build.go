package arrowio

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Col is one named column of Go values for NewTable. Values is one of
// []string, []int64, []int32, []float64, []float32, []bool, or a slice of
// those slices ([][]int32 becomes list<int32>).
type Col struct {
	Name   string
	Values any
}

// NewTable builds a one-record table from Go slices of equal length. Path
// names the table in error messages.
func NewTable(path string, cols ...Col) (*Table, error) {
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	rows := -1
	for i, c := range cols {
		arr, n, err := buildArray(mem, c.Values)
		if err != nil {
			return nil, fmt.Errorf("%s: column %q: %v", path, c.Name, err)
		}
		if rows >= 0 && n != rows {
			return nil, fmt.Errorf("%s: column %q has %d rows, column %q %d", path, c.Name, n, cols[0].Name, rows)
		}
		rows = n
		fields[i] = arrow.Field{Name: c.Name, Type: arr.DataType(), Nullable: true}
		arrs[i] = arr
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecord(schema, arrs, int64(max(rows, 0)))
	return &Table{Path: path, Schema: schema, Records: []arrow.Record{rec}, files: []string{path}}, nil
}

func buildArray(mem memory.Allocator, values any) (arrow.Array, int, error) {
	switch v := values.(type) {
	case []string:
		return build(array.NewStringBuilder(mem), v), len(v), nil
	case []int64:
		return build(array.NewInt64Builder(mem), v), len(v), nil
	case []int32:
		return build(array.NewInt32Builder(mem), v), len(v), nil
	case []float64:
		return build(array.NewFloat64Builder(mem), v), len(v), nil
	case []float32:
		return build(array.NewFloat32Builder(mem), v), len(v), nil
	case []bool:
		return build(array.NewBooleanBuilder(mem), v), len(v), nil
	case [][]string:
		return buildList(mem, arrow.BinaryTypes.String, v, (*array.StringBuilder).AppendValues), len(v), nil
	case [][]int64:
		return buildList(mem, arrow.PrimitiveTypes.Int64, v, (*array.Int64Builder).AppendValues), len(v), nil
	case [][]int32:
		return buildList(mem, arrow.PrimitiveTypes.Int32, v, (*array.Int32Builder).AppendValues), len(v), nil
	case [][]float64:
		return buildList(mem, arrow.PrimitiveTypes.Float64, v, (*array.Float64Builder).AppendValues), len(v), nil
	case [][]float32:
		return buildList(mem, arrow.PrimitiveTypes.Float32, v, (*array.Float32Builder).AppendValues), len(v), nil
	case [][]bool:
		return buildList(mem, arrow.FixedWidthTypes.Boolean, v, (*array.BooleanBuilder).AppendValues), len(v), nil
	}
	return nil, 0, fmt.Errorf("unsupported Go type %T", values)
}

type appender[E any] interface {
	array.Builder
	AppendValues([]E, []bool)
}

func build[E any, B appender[E]](b B, v []E) arrow.Array {
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func buildList[E any, B array.Builder](mem memory.Allocator, elem arrow.DataType, rows [][]E, add func(B, []E, []bool)) arrow.Array {
	lb := array.NewListBuilder(mem, elem)
	defer lb.Release()
	vb := lb.ValueBuilder().(B)
	for _, r := range rows {
		lb.Append(true)
		add(vb, r, nil)
	}
	return lb.NewArray()
}
