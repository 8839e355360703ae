package arrowio

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// validate checks that the buffers of a (possibly corrupt) array hold what
// its type and length promise, for every type this package reads by hand
// (scalars, strings, binaries, lists, structs). Other types are left to
// arrow-go behind a recover. After validate, indexing the array is safe.
func validate(d arrow.ArrayData) error {
	n, off := d.Len(), d.Offset()
	if n < 0 || off < 0 {
		return fmt.Errorf("negative length or offset")
	}
	end := off + n
	bufs := d.Buffers()
	buf := func(i int) []byte {
		if i < len(bufs) && bufs[i] != nil {
			return bufs[i].Bytes()
		}
		return nil
	}
	if len(bufs) > 0 && bufs[0] != nil && bufs[0].Len() < (end+7)/8 {
		return fmt.Errorf("validity bitmap of %d bytes is too short for %d rows", bufs[0].Len(), end)
	}
	dt := d.DataType()
	switch dt.ID() {
	case arrow.NULL:
		return nil
	case arrow.BOOL:
		if len(buf(1)) < (end+7)/8 {
			return fmt.Errorf("bool data of %d bytes is too short for %d rows", len(buf(1)), end)
		}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		w := dt.(arrow.FixedWidthDataType).Bytes()
		if len(buf(1)) < end*w {
			return fmt.Errorf("%s data of %d bytes is too short for %d rows", TypeName(dt), len(buf(1)), end)
		}
	case arrow.STRING, arrow.BINARY:
		_, err := checkOffsets(buf(1), off, n, 4, len(buf(2)))
		return err
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		_, err := checkOffsets(buf(1), off, n, 8, len(buf(2)))
		return err
	case arrow.LIST, arrow.LARGE_LIST:
		w := 4
		if dt.ID() == arrow.LARGE_LIST {
			w = 8
		}
		if len(d.Children()) != 1 {
			return fmt.Errorf("list without its child array")
		}
		child := d.Children()[0]
		if _, err := checkOffsets(buf(1), off, n, w, child.Len()); err != nil {
			return err
		}
		return validateChild(child)
	case arrow.FIXED_SIZE_LIST:
		k := dt.(*arrow.FixedSizeListType).Len()
		if len(d.Children()) != 1 || k < 0 || d.Children()[0].Len() < end*int(k) {
			return fmt.Errorf("fixed-size list child is too short")
		}
		return validateChild(d.Children()[0])
	case arrow.STRUCT:
		if len(d.Children()) != dt.(*arrow.StructType).NumFields() {
			return fmt.Errorf("struct has %d child arrays for %d fields", len(d.Children()), dt.(*arrow.StructType).NumFields())
		}
		for _, c := range d.Children() {
			if c.Len() < end {
				return fmt.Errorf("struct field array is too short")
			}
			if err := validateChild(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateChild(c arrow.ArrayData) error {
	if err := validate(c); err != nil {
		return fmt.Errorf("%s element: %w", TypeName(c.DataType()), err)
	}
	return nil
}

// checkOffsets checks n+1 offsets of width w (4 or 8 bytes) starting at
// index off: non-negative, non-decreasing and at most limit.
func checkOffsets(b []byte, off, n, w, limit int) (last int64, err error) {
	if n == 0 {
		return 0, nil
	}
	if len(b) < (off+n+1)*w {
		return 0, fmt.Errorf("offsets buffer of %d bytes is too short for %d rows", len(b), off+n)
	}
	prev := int64(-1)
	for i := off; i <= off+n; i++ {
		var v int64
		if w == 4 {
			v = int64(int32(binary.LittleEndian.Uint32(b[i*w:])))
		} else {
			v = int64(binary.LittleEndian.Uint64(b[i*w:]))
		}
		if v < 0 || v < prev || v > int64(limit) {
			return 0, fmt.Errorf("offset %d at row %d is outside [%d, %d]", v, i-off, max(prev, 0), limit)
		}
		prev = v
	}
	return prev, nil
}
