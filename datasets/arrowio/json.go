package arrowio

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// AppendRowJSON appends row i of rec as one JSON object: keys are the column
// names in schema order, lists are JSON arrays, structs objects, binary
// base64 strings, nulls and non-finite floats null.
func AppendRowJSON(buf []byte, rec arrow.Record, i int) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("row %d: cannot read: %v", i, r)
		}
	}()
	buf = append(buf, '{')
	for c, col := range rec.Columns() {
		if c > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, rec.Schema().Field(c).Name)
		buf = append(buf, ':')
		if buf, err = appendValue(buf, col, i); err != nil {
			return nil, fmt.Errorf("column %q: %v", rec.Schema().Field(c).Name, err)
		}
	}
	return append(buf, '}'), nil
}

func appendValue(buf []byte, a arrow.Array, i int) ([]byte, error) {
	if a.IsNull(i) {
		return append(buf, "null"...), nil
	}
	switch a := a.(type) {
	case *array.String:
		return appendString(buf, a.Value(i)), nil
	case *array.LargeString:
		return appendString(buf, a.Value(i)), nil
	case *array.Binary:
		return appendString(buf, base64.StdEncoding.EncodeToString(a.Value(i))), nil
	case *array.LargeBinary:
		return appendString(buf, base64.StdEncoding.EncodeToString(a.Value(i))), nil
	case *array.Boolean:
		return strconv.AppendBool(buf, a.Value(i)), nil
	case *array.Int8:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), nil
	case *array.Int32:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), nil
	case *array.Int64:
		return strconv.AppendInt(buf, a.Value(i), 10), nil
	case *array.Uint8:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), nil
	case *array.Uint64:
		return strconv.AppendUint(buf, a.Value(i), 10), nil
	case *array.Float32:
		return appendFloat(buf, float64(a.Value(i)), 32), nil
	case *array.Float64:
		return appendFloat(buf, a.Value(i), 64), nil
	case array.ListLike:
		return appendList(buf, a, i)
	case *array.Struct:
		return appendStruct(buf, a, i)
	}
	return appendOther(buf, a, i)
}

func appendList(buf []byte, a array.ListLike, i int) ([]byte, error) {
	beg, end := a.ValueOffsets(i)
	vals := a.ListValues()
	buf = append(buf, '[')
	var err error
	for j := beg; j < end; j++ {
		if j > beg {
			buf = append(buf, ',')
		}
		if buf, err = appendValue(buf, vals, int(j)); err != nil {
			return nil, err
		}
	}
	return append(buf, ']'), nil
}

func appendStruct(buf []byte, a *array.Struct, i int) ([]byte, error) {
	st := a.DataType().(*arrow.StructType)
	buf = append(buf, '{')
	var err error
	for f := range a.NumField() {
		if f > 0 {
			buf = append(buf, ',')
		}
		buf = append(appendString(buf, st.Field(f).Name), ':')
		if buf, err = appendValue(buf, a.Field(f), i); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// appendOther handles the types without a hand-written, validated path
// (dates, decimals, dictionaries, ...) through arrow-go, behind a recover.
func appendOther(buf []byte, a arrow.Array, i int) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot read %s value at row %d: %v", TypeName(a.DataType()), i, r)
		}
	}()
	b, err := json.Marshal(a.GetOneForMarshal(i))
	if err != nil {
		return nil, fmt.Errorf("%s value at row %d: %v", TypeName(a.DataType()), i, err)
	}
	return append(buf, b...), nil
}

func appendFloat(buf []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(buf, "null"...)
	}
	return strconv.AppendFloat(buf, f, 'g', -1, bits)
}

// appendString writes s as a JSON string without HTML escaping; invalid
// UTF-8 becomes U+FFFD.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, "\ufffd"...)
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r == '\n':
			buf = append(buf, '\\', 'n')
		case r == '\t':
			buf = append(buf, '\\', 't')
		case r == '\r':
			buf = append(buf, '\\', 'r')
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			buf = append(buf, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
