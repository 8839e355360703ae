package arrowio

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// openParquet reads Parquet field by field in the calling goroutine.
// pqarrow's own record reader builds its column readers in errgroup
// goroutines, where a panic on corrupt metadata cannot be recovered; here
// every step runs under the caller's guard, after checkChunks.
func (r *Reader) openParquet(alloc *boundedAlloc) error {
	pf, err := file.NewParquetReader(r.src, file.WithReadProps(parquet.NewReaderProperties(alloc)))
	if err != nil {
		return err
	}
	if err := checkChunks(pf, r.size); err != nil {
		return err
	}
	if err := checkStoredSchema(pf.MetaData().KeyValueMetadata()); err != nil {
		return err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: BatchRows}, alloc)
	if err != nil {
		return err
	}
	schema, err := fr.Schema()
	if err != nil {
		return err
	}
	r.schema = withoutStoredSchema(schema)
	if err := dryRunStructs(fr, pf.NumRows()); err != nil {
		return err
	}
	cols := make([]*pqarrow.ColumnReader, schema.NumFields())
	for i := range cols {
		if cols[i], err = fr.GetColumn(context.Background(), i); err != nil {
			return fmt.Errorf("column %q: %v", schema.Field(i).Name, err)
		}
	}
	left := pf.NumRows()
	r.next = func() (arrow.Record, error) {
		if left <= 0 {
			return nil, io.EOF
		}
		n := min(left, BatchRows)
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			chunks, err := c.NextBatch(n)
			if err != nil {
				return nil, fmt.Errorf("column %q: %v", schema.Field(i).Name, err)
			}
			if int64(chunks.Len()) != n {
				return nil, fmt.Errorf("column %q: %d values where the row groups promise %d", schema.Field(i).Name, chunks.Len(), n)
			}
			if arrs[i], err = array.Concatenate(chunks.Chunks(), alloc); err != nil {
				return nil, err
			}
			chunks.Release()
		}
		left -= n
		return array.NewRecord(r.schema, arrs, n), nil
	}
	return nil
}

// dryRunStructs decodes, in the calling goroutine, every column that
// pqarrow would decode in errgroup goroutines: the children of struct (and
// map) fields. It reads each struct-free subtree below a struct as if it
// were a top-level column, in the same batches the real read will use, so
// corrupt data panics here, under guard, rather than there.
func dryRunStructs(fr *pqarrow.FileReader, rows int64) error {
	var subtrees []pqarrow.SchemaField
	var walk func(f pqarrow.SchemaField, underStruct bool)
	walk = func(f pqarrow.SchemaField, underStruct bool) {
		isStruct := f.Field.Type.ID() == arrow.STRUCT
		if underStruct && !hasStruct(f) {
			subtrees = append(subtrees, f)
			return
		}
		for _, c := range f.Children {
			walk(c, isStruct)
		}
	}
	for _, f := range fr.Manifest.Fields {
		walk(f, false)
	}
	if len(subtrees) == 0 {
		return nil
	}
	top := fr.Manifest.Fields
	fr.Manifest.Fields = subtrees
	defer func() { fr.Manifest.Fields = top }()
	for i, f := range subtrees {
		c, err := fr.GetColumn(context.Background(), i)
		if err != nil {
			return fmt.Errorf("field %q: %v", f.Field.Name, err)
		}
		for left := rows; left > 0; left -= BatchRows {
			chunks, err := c.NextBatch(min(left, BatchRows))
			if err != nil {
				return fmt.Errorf("field %q: %v", f.Field.Name, err)
			}
			chunks.Release()
		}
	}
	return nil
}

func hasStruct(f pqarrow.SchemaField) bool {
	if f.Field.Type.ID() == arrow.STRUCT {
		return true
	}
	for _, c := range f.Children {
		if hasStruct(c) {
			return true
		}
	}
	return false
}

// checkStoredSchema verifies the Arrow schema that Parquet writers store
// under "ARROW:schema" (base64 IPC) before pqarrow decodes it unchecked.
func checkStoredSchema(kv metadata.KeyValueMetadata) error {
	v := kv.FindValue("ARROW:schema")
	if v == nil {
		return nil
	}
	var b []byte
	var err error
	if len(*v)%4 == 0 {
		b, err = base64.StdEncoding.DecodeString(*v)
	}
	if len(b) == 0 || err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(*v); err != nil {
			return nil // pqarrow ignores a schema it cannot decode
		}
	}
	if _, err := newMessages(bytes.NewReader(b), int64(len(b))).Message(); err != nil && err != io.EOF {
		return fmt.Errorf("ARROW:schema metadata: %v", err)
	}
	return nil
}

// checkChunks checks the row group metadata that pqarrow would otherwise
// dereference unchecked: every column chunk exists, lies inside the file,
// is not encrypted, and the row counts are sane.
func checkChunks(pf *file.Reader, size int64) error {
	md := pf.MetaData()
	ncol := md.Schema.NumColumns()
	var rows int64
	for g := range pf.NumRowGroups() {
		rg := md.RowGroup(g)
		if rg.NumColumns() != ncol {
			return fmt.Errorf("row group %d has %d column chunks for %d columns", g, rg.NumColumns(), ncol)
		}
		if n := rg.NumRows(); n < 0 || n > 1<<40 {
			return fmt.Errorf("row group %d declares %d rows", g, n)
		}
		rows += rg.NumRows()
		for c := range ncol {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				return fmt.Errorf("row group %d column %d: %v", g, c, err)
			}
			if cc.CryptoMetadata() != nil {
				return fmt.Errorf("encrypted Parquet is not supported")
			}
			start, n := cc.DataPageOffset(), cc.TotalCompressedSize()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && start > cc.DictionaryPageOffset() {
				start = cc.DictionaryPageOffset()
			}
			if start < 0 || n < 0 || start > size || n > size-start || cc.NumValues() < 0 {
				return fmt.Errorf("row group %d column %d: chunk at offset %d of %d bytes lies outside the %d-byte file", g, c, start, n, size)
			}
		}
	}
	if rows != pf.NumRows() {
		return fmt.Errorf("row groups hold %d rows, the footer says %d", rows, pf.NumRows())
	}
	return nil
}
