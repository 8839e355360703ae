package arrowio

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// scalarGetter returns a reader of row i of arrays of type dt as E, or nil
// if dt does not convert to E without loss.
func scalarGetter[E string | int64 | int32 | float64 | float32 | bool](dt arrow.DataType) func(arrow.Array, int) (E, bool) {
	var zero E
	var f any
	switch any(zero).(type) {
	case string:
		switch dt.ID() {
		case arrow.STRING:
			f = get(func(a *array.String, i int) string { return a.Value(i) })
		case arrow.LARGE_STRING:
			f = get(func(a *array.LargeString, i int) string { return a.Value(i) })
		}
	case int64:
		f = intGetter[int64](dt, 64)
	case int32:
		f = intGetter[int32](dt, 32)
	case float64:
		switch dt.ID() {
		case arrow.FLOAT64:
			f = get(func(a *array.Float64, i int) float64 { return a.Value(i) })
		case arrow.FLOAT32:
			f = get(func(a *array.Float32, i int) float64 { return float64(a.Value(i)) })
		}
	case float32:
		if dt.ID() == arrow.FLOAT32 {
			f = get(func(a *array.Float32, i int) float32 { return a.Value(i) })
		}
	case bool:
		if dt.ID() == arrow.BOOL {
			f = get(func(a *array.Boolean, i int) bool { return a.Value(i) })
		}
	}
	g, _ := f.(func(arrow.Array, int) (E, bool))
	return g
}

// intGetter reads integer types that fit in bits (signed) without loss.
func intGetter[E int64 | int32](dt arrow.DataType, bits int) any {
	switch dt.ID() {
	case arrow.INT8:
		return get(func(a *array.Int8, i int) E { return E(a.Value(i)) })
	case arrow.INT16:
		return get(func(a *array.Int16, i int) E { return E(a.Value(i)) })
	case arrow.UINT8:
		return get(func(a *array.Uint8, i int) E { return E(a.Value(i)) })
	case arrow.UINT16:
		return get(func(a *array.Uint16, i int) E { return E(a.Value(i)) })
	case arrow.INT32:
		return get(func(a *array.Int32, i int) E { return E(a.Value(i)) })
	}
	if bits < 64 {
		return nil
	}
	switch dt.ID() {
	case arrow.UINT32:
		return get(func(a *array.Uint32, i int) E { return E(a.Value(i)) })
	case arrow.INT64:
		return get(func(a *array.Int64, i int) E { return E(a.Value(i)) })
	}
	return nil
}

// get adapts a typed value accessor to a null-checking reader of any array.
func get[A arrow.Array, E any](value func(A, int) E) func(arrow.Array, int) (E, bool) {
	return func(a arrow.Array, i int) (E, bool) {
		if a.IsNull(i) {
			var zero E
			return zero, false
		}
		return value(a.(A), i), true
	}
}
