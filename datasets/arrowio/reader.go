package arrowio

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// BatchRows is the number of rows per record batch this package writes, and
// reads from Parquet: HF datasets' default writer batch size.
const BatchRows = 1000

// Reader streams the record batches of one file, validating each.
type Reader struct {
	Path   string
	Format Format
	schema *arrow.Schema
	src    *io.SectionReader
	next   func() (arrow.Record, error)
	close  func()
	closer io.Closer
	size   int64
}

// Open opens a data file, detecting its format from its first bytes, and
// reads its schema.
func Open(path string) (*Reader, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a folder; use Find or Load for dataset folders", path)
	}
	f, err := fsx.Open(path) // a regular file: a named pipe would block
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads data of size bytes from r; name is used in messages.
func NewReader(name string, r io.ReaderAt, size int64) (_ *Reader, err error) {
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	format, err := detect(name, head[:n])
	if err != nil {
		return nil, err
	}
	rd := &Reader{Path: name, Format: format, src: io.NewSectionReader(r, 0, size), close: func() {}, size: size}
	defer guard(name, format, &err)
	alloc := newAlloc(size)
	switch format {
	case Stream:
		err = rd.openStream(alloc, size)
	case File:
		if err = checkFileFormat(rd.src, size); err == nil {
			err = rd.openFile(alloc)
		}
	case Parquet:
		err = rd.openParquet(alloc)
	}
	if err != nil {
		return nil, wrapErr(name, format, err)
	}
	return rd, nil
}

func (r *Reader) openStream(alloc *boundedAlloc, size int64) error {
	rd, err := ipc.NewReaderFromMessageReader(newMessages(bufio.NewReaderSize(r.src, 1<<16), size), ipc.WithAllocator(alloc))
	if err != nil {
		return err
	}
	r.schema = rd.Schema()
	r.close = rd.Release
	r.next = func() (arrow.Record, error) {
		rec, err := rd.Read()
		if err != nil {
			return nil, err
		}
		rec.Retain()
		return rec, nil
	}
	return nil
}

func (r *Reader) openFile(alloc *boundedAlloc) error {
	fr, err := ipc.NewFileReader(r.src, ipc.WithAllocator(alloc))
	if err != nil {
		return err
	}
	r.schema = fr.Schema()
	r.close = func() { fr.Close() }
	i := 0
	r.next = func() (arrow.Record, error) {
		if i >= fr.NumRecords() {
			return nil, io.EOF
		}
		i++
		return fr.RecordAt(i - 1)
	}
	return nil
}

// Schema is the file's schema.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next returns the next record batch, validated, or io.EOF after the last.
// The caller owns the record (Release is optional: memory is Go-managed).
func (r *Reader) Next() (rec arrow.Record, err error) {
	defer guard(r.Path, r.Format, &err)
	rec, err = r.next()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, wrapErr(r.Path, r.Format, err)
	}
	if r.Format != Parquet && rec.NumRows() > 512*r.size+1<<20 {
		// Only columns of type null (or none) take no bytes per row.
		return nil, corrupt(r.Path, r.Format, fmt.Sprintf("a record batch declares %d rows in a %d-byte file", rec.NumRows(), r.size))
	}
	if int(rec.NumCols()) != r.schema.NumFields() {
		return nil, corrupt(r.Path, r.Format, fmt.Sprintf("record batch has %d columns, schema %d", rec.NumCols(), r.schema.NumFields()))
	}
	for i, col := range rec.Columns() {
		if int64(col.Len()) < rec.NumRows() {
			return nil, corrupt(r.Path, r.Format, fmt.Sprintf("column %q has %d rows, batch %d", r.schema.Field(i).Name, col.Len(), rec.NumRows()))
		}
		if err := validate(col.Data()); err != nil {
			return nil, fileErrorf("%s: corrupt or truncated %s data: column %q: %v", r.Path, r.Format, r.schema.Field(i).Name, err)
		}
	}
	return rec, nil
}

// Close releases the file.
func (r *Reader) Close() (err error) {
	defer guard(r.Path, r.Format, &err)
	r.close()
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// withoutStoredSchema drops the "ARROW:schema" key that Parquet writers
// store for Arrow readers, as pyarrow does on reading: it is an encoding
// detail, and keeping it would make a rewritten file grow.
func withoutStoredSchema(s *arrow.Schema) *arrow.Schema {
	md := s.Metadata()
	if md.FindKey("ARROW:schema") < 0 {
		return s
	}
	var keys, vals []string
	for i, k := range md.Keys() {
		if k != "ARROW:schema" {
			keys, vals = append(keys, k), append(vals, md.Values()[i])
		}
	}
	meta := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(s.Fields(), &meta)
}
