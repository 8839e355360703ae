package arrowio

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// minAllocLimit is the smallest per-buffer allocation limit; see newAlloc.
// The fuzz targets lower it, so that no input spends its time allocating.
var minAllocLimit = 64 << 20

// tooLarge is panicked by boundedAlloc and recovered by guard.
type tooLarge struct{ size, limit int }

// boundedAlloc refuses any single buffer larger than limit. A corrupt header
// can declare gigabyte-sized buffers; arrow-go would try to allocate them
// before noticing the file is too short. The limit is generous enough for
// compressed data that expands (64 x the file size, at least 64 MiB).
type boundedAlloc struct {
	limit int
	mem   memory.Allocator
}

func newAlloc(fileSize int64) *boundedAlloc {
	limit := int64(minAllocLimit)
	if fileSize > limit/64 {
		limit = fileSize * 64
	}
	return &boundedAlloc{limit: int(min(limit, int64(^uint(0)>>1))), mem: memory.NewGoAllocator()}
}

func (a *boundedAlloc) check(size int) {
	if size < 0 || size > a.limit {
		panic(tooLarge{size, a.limit})
	}
}

func (a *boundedAlloc) Allocate(size int) []byte { a.check(size); return a.mem.Allocate(size) }
func (a *boundedAlloc) Reallocate(size int, b []byte) []byte {
	a.check(size)
	return a.mem.Reallocate(size, b)
}
func (a *boundedAlloc) Free(b []byte) { a.mem.Free(b) }

// corrupt builds the one-line error for bad data in a file.
func corrupt(path string, format Format, detail string) error {
	detail = strings.ReplaceAll(detail, "\n", " ")
	for _, p := range []string{"arrow/ipc: ", "arrow/array: ", "parquet: ", "arrow: "} {
		detail = strings.ReplaceAll(detail, p, "")
	}
	return fmt.Errorf("%s: corrupt or truncated %s data: %s", path, format, detail)
}

// wrapErr turns an error from arrow-go into a one-line error naming path.
// Errors that already name the file pass through.
func wrapErr(path string, format Format, err error) error {
	var fe *fileError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return corrupt(path, format, "file ends early: "+err.Error())
	}
	return corrupt(path, format, err.Error())
}

// fileError is an error that already names its file.
type fileError struct{ msg string }

func (e *fileError) Error() string { return e.msg }

func fileErrorf(format string, a ...any) error { return &fileError{fmt.Sprintf(format, a...)} }

// guard recovers a panic from arrow-go (or from boundedAlloc) and stores it
// in *err as a corrupt-data error naming path. Use as
// `defer guard(path, format, &err)` at every exported entry point that
// touches file data.
func guard(path string, format Format, err *error) {
	r := recover()
	if r == nil {
		return
	}
	switch v := r.(type) {
	case tooLarge:
		*err = corrupt(path, format, fmt.Sprintf("a buffer declares %d bytes, more than the %d-byte limit for this file", v.size, v.limit))
	case error:
		*err = corrupt(path, format, v.Error())
	default:
		*err = corrupt(path, format, fmt.Sprint(v))
	}
}
