package arrowio

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Write writes t to path in the format its extension implies (see
// FormatForPath): .parquet, .feather, else an Arrow IPC stream.
func Write(path string, t *Table) error {
	return WriteFile(path, t, FormatForPath(path))
}

// WriteFile writes t to path in format f, atomically (a temporary file
// renamed into place), in record batches (Parquet row groups) of at most
// BatchRows rows. The same table always gives the same bytes.
func WriteFile(path string, t *Table, f Format) (err error) {
	defer guard(path, f, &err)
	return fsx.WriteAtomic(path, func(w io.Writer) error {
		var err error
		switch f {
		case Stream:
			err = writeIPC(ipc.NewWriter(w, ipc.WithSchema(t.Schema)), t)
		case File:
			var fw *ipc.FileWriter
			if fw, err = ipc.NewFileWriter(&tellWriter{w: w}, ipc.WithSchema(t.Schema)); err == nil {
				err = writeIPC(fw, t)
			}
		case Parquet:
			err = writeParquet(w, t)
		default:
			err = fmt.Errorf("unknown format %v", f)
		}
		if err != nil {
			return fmt.Errorf("%s: writing %s: %v", path, f, err)
		}
		return nil
	})
}

// WriteTo writes t to w in format f (for a file, WriteFile is atomic).
// Parquet and streams need no seeking; the Arrow file format does, so it
// is refused here.
func WriteTo(w io.Writer, t *Table, f Format) error {
	switch f {
	case Stream:
		return writeIPC(ipc.NewWriter(w, ipc.WithSchema(t.Schema)), t)
	case Parquet:
		return writeParquet(w, t)
	}
	return fmt.Errorf("WriteTo: format %v needs a file (use WriteFile)", f)
}

type recordWriter interface {
	Write(arrow.Record) error
	Close() error
}

func writeIPC(w recordWriter, t *Table) error {
	err := batches(t, w.Write)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeParquet(w io.Writer, t *Table) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(BatchRows),
		parquet.WithCreatedBy("ssmlab"))
	fw, err := pqarrow.NewFileWriter(withoutStoredSchema(t.Schema), w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	err = batches(t, fw.Write)
	if cerr := fw.Close(); err == nil {
		err = cerr
	}
	return err
}

// batches calls write on slices of t's records of at most BatchRows rows.
func batches(t *Table, write func(arrow.Record) error) error {
	for _, rec := range t.Records {
		for lo := int64(0); lo < rec.NumRows() || (lo == 0 && rec.NumRows() == 0); lo += BatchRows {
			hi := min(lo+BatchRows, rec.NumRows())
			s := rec.NewSlice(lo, hi)
			err := write(s)
			s.Release()
			if err != nil {
				return err
			}
			if hi == lo {
				break
			}
		}
	}
	return nil
}

// tellWriter gives the IPC file writer the one kind of Seek it uses, asking
// for the current position, over a plain writer.
type tellWriter struct {
	w   io.Writer
	pos int64
}

func (t *tellWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.pos += int64(n)
	return n, err
}

func (t *tellWriter) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekCurrent {
		return 0, fmt.Errorf("tellWriter: only Seek(0, io.SeekCurrent) is supported")
	}
	return t.pos, nil
}
