package safetensors

import (
	"encoding/binary"
	"fmt"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"io"
	"os"
)

// Reader is an open safetensors file whose header is parsed and checked
// but whose data stays on disk: Read fetches one tensor at a time, so a
// loader needs the weights it fills plus the largest tensor, not a second
// copy of the whole file.
type Reader struct {
	Path     string
	Metadata map[string]string
	f        *os.File
	base     int64 // file offset of the data buffer
	layout   *File
	spans    map[string]span
}

// Open parses path's header and checks the layout against the file size.
func Open(path string) (*Reader, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := open(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func open(path string, f *os.File) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := uint64(st.Size())
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", path, fmt.Sprintf(format, a...))
	}
	var nb [8]byte
	if _, err := io.ReadFull(f, nb[:]); err != nil {
		return nil, bad("%d bytes, shorter than the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(nb[:])
	if n > MaxHeader {
		return nil, bad("header length %d exceeds the 100 MB limit", n)
	}
	if n > size-8 {
		return nil, bad("header length %d runs past the end of the %d-byte file (truncated?)", n, size)
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(f, header); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	lay, spans, err := layout(path, header, size-8-n)
	if err != nil {
		return nil, err
	}
	r := &Reader{Path: path, Metadata: lay.Metadata, f: f, base: int64(8 + n), layout: lay, spans: map[string]span{}}
	for _, s := range spans {
		r.spans[s.name] = s
	}
	return r, nil
}

// Names returns the tensor names in data order.
func (r *Reader) Names() []string { return r.layout.Names() }

// Shape returns a tensor's shape and dtype without reading its data.
func (r *Reader) Shape(name string) ([]int, DType, bool) {
	t, ok := r.layout.byName[name]
	if !ok {
		return nil, "", false
	}
	return t.Shape, t.DType, true
}

// Read returns one tensor with its data read from disk (a fresh buffer).
func (r *Reader) Read(name string) (Tensor, error) { return r.ReadInto(name, nil) }

// ReadInto is Read into buf when it is large enough (the returned Data
// aliases it), so a loader reading tensor after tensor reuses one buffer
// instead of leaving the garbage collector a file's worth of them.
func (r *Reader) ReadInto(name string, buf []byte) (Tensor, error) {
	t, ok := r.layout.byName[name]
	if !ok {
		return Tensor{}, fmt.Errorf("%s: no tensor %q", r.Path, name)
	}
	s := r.spans[name]
	n := int(s.end - s.begin)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	out := Tensor{Name: name, DType: t.DType, Shape: t.Shape, Data: buf[:n]}
	if _, err := r.f.ReadAt(out.Data, r.base+int64(s.begin)); err != nil {
		return Tensor{}, fmt.Errorf("%s: tensor %q: %v", r.Path, name, err)
	}
	return out, nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
