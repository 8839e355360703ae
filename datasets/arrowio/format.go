package arrowio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Format is the on-disk encoding of a data file.
type Format int

const (
	// Stream is the Arrow IPC stream format: what HF datasets writes into
	// its cache and save_to_disk folders as .arrow files.
	Stream Format = iota
	// File is the Arrow IPC file format (Feather v2): "ARROW1" magic, a
	// footer indexing the record batches.
	File
	// Parquet is Apache Parquet ("PAR1" magic), the hub's format.
	Parquet
)

func (f Format) String() string {
	switch f {
	case Stream:
		return "arrow-stream"
	case File:
		return "arrow-file"
	case Parquet:
		return "parquet"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatForPath picks the format to write path in from its extension:
// .parquet is Parquet, .feather is File, anything else (.arrow) is Stream,
// the format HF datasets reads from its cache.
func FormatForPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return Parquet
	case ".feather":
		return File
	}
	return Stream
}

var (
	magicFile    = []byte("ARROW1")
	magicParquet = []byte("PAR1")
)

// DetectFormat reads the first bytes of path and says which format it is in.
func DetectFormat(path string) (Format, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return detect(path, head[:n])
}

// detect classifies a file from its first (up to 8) bytes.
func detect(name string, head []byte) (Format, error) {
	switch {
	case len(head) == 0:
		return 0, fmt.Errorf("%s: empty file, not Arrow or Parquet data", name)
	case bytes.HasPrefix(head, magicParquet):
		return Parquet, nil
	case bytes.HasPrefix(head, magicFile):
		return File, nil
	case len(head) >= 4 && binary.LittleEndian.Uint32(head) == 0xFFFFFFFF:
		return Stream, nil
	case len(head) >= 4 && int32(binary.LittleEndian.Uint32(head)) > 0 && head[3] == 0:
		// A stream written before Arrow 0.15 starts with the bare length.
		return Stream, nil
	}
	// The error shows none of the file's bytes: name may be a link to
	// any file at all.
	return 0, fmt.Errorf("%s: not Arrow or Parquet data (no Arrow or Parquet magic number at its start)", name)
}
