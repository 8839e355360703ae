package safetensors

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// chunkBytes bounds ReadFloat32's read buffer (a multiple of every element
// size). A variable so tests can make chunk boundaries fall inside small
// tensors.
var chunkBytes = 1 << 20

// Reader is an open safetensors file whose header is parsed and checked
// but whose data stays on disk: Read fetches one tensor at a time, and
// ReadFloat32 decodes one straight into its destination through a buffer of
// at most 1 MiB, so a loader needs the weights it fills plus that buffer,
// not a second copy of the file or of its largest tensor.
type Reader struct {
	Path     string
	Metadata map[string]string
	f        *os.File
	base     int64 // file offset of the data buffer
	layout   *File
	spans    map[string]span
	chunk    []byte // ReadFloat32's buffer
}

// Open parses path's header and checks the layout against the file size.
func Open(path string) (*Reader, error) { return OpenAfter(path, 0) }

// OpenAfter is Open for a file whose safetensors data starts skip bytes in,
// after a preamble of its own format (ssmlab's training checkpoints); the
// layout is checked against the rest of the file, and sizes in messages
// count from there.
func OpenAfter(path string, skip int64) (*Reader, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := open(path, f, skip)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func open(path string, f *os.File, skip int64) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", path, fmt.Sprintf(format, a...))
	}
	if skip < 0 || skip > st.Size() {
		return nil, bad("%d bytes, shorter than the %d-byte preamble", st.Size(), skip)
	}
	size := uint64(st.Size() - skip)
	var nb [8]byte
	if _, err := f.ReadAt(nb[:], skip); err != nil {
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
	if _, err := f.ReadAt(header, skip+8); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	lay, spans, err := layout(path, header, size-8-n)
	if err != nil {
		return nil, err
	}
	r := &Reader{Path: path, Metadata: lay.Metadata, f: f, base: skip + int64(8+n), layout: lay, spans: map[string]span{}}
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

// ReadFloat32 reads tensor name (F32, F16, BF16 or F64) from disk and
// converts it into dst, which must hold exactly its elements. The data goes
// through one reused buffer of at most 1 MiB, read with ReadAt chunk by
// chunk, so the tensor's bytes are never held whole; the values equal
// those of Read followed by Tensor.DecodeFloat32.
func (r *Reader) ReadFloat32(name string, dst []float32) error {
	t, ok := r.layout.byName[name]
	if !ok {
		return fmt.Errorf("%s: no tensor %q", r.Path, name)
	}
	s := r.spans[name]
	n := int64(s.end - s.begin)
	es := int64(t.DType.Size()) // nonzero: layout refuses unknown dtypes
	if n != es*int64(len(dst)) {
		return fmt.Errorf("%s: tensor %q: %d bytes of %s do not fill %d values", r.Path, name, n, t.DType, len(dst))
	}
	if !t.DType.float() {
		return fmt.Errorf("%s: %v", r.Path, notFloat(name, t.DType))
	}
	if r.chunk == nil {
		r.chunk = make([]byte, chunkBytes)
	}
	for done := int64(0); done < n; {
		c := r.chunk[:min(int64(len(r.chunk)), n-done)]
		if _, err := r.f.ReadAt(c, r.base+int64(s.begin)+done); err != nil {
			return fmt.Errorf("%s: tensor %q: %v", r.Path, name, err)
		}
		decodeFloat32(t.DType, c, dst[done/es:(done+int64(len(c)))/es])
		done += int64(len(c))
	}
	return nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
