package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/precision"
)

// MaxHeader is the largest JSON header accepted (the format's 100 MB limit).
const MaxHeader = 100 << 20

// Tensor is one named tensor with its raw little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
	// F32, when set (with DType F32 and Data nil), holds the values to
	// write: they are encoded piece by piece while the file is written, so
	// saving a model needs no byte copy of its weights. Readers leave it nil.
	F32 []float32
}

// size is the tensor's byte length in the file.
func (t *Tensor) size() int {
	if t.F32 != nil {
		return 4 * len(t.F32)
	}
	return len(t.Data)
}

// File is a parsed safetensors file.
type File struct {
	Path     string
	Metadata map[string]string
	names    []string // in data order
	byName   map[string]*Tensor
}

// ReadFile reads and validates path.
func ReadFile(path string) (*File, error) {
	buf, err := fsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, buf)
}

// Parse validates buf as a safetensors file; name is used in error messages.
// The returned tensors alias buf.
func Parse(name string, buf []byte) (*File, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", name, fmt.Sprintf(format, a...))
	}
	if len(buf) < 8 {
		return nil, bad("%d bytes, shorter than the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf)
	if n > MaxHeader {
		return nil, bad("header length %d exceeds the 100 MB limit", n)
	}
	if n > uint64(len(buf)-8) {
		return nil, bad("header length %d runs past the end of the %d-byte file (truncated?)", n, len(buf))
	}
	f, spans, err := layout(name, buf[8:8+n], uint64(len(buf))-8-n)
	if err != nil {
		return nil, err
	}
	data := buf[8+n:]
	for _, s := range spans {
		f.byName[s.name].Data = data[s.begin:s.end:s.end]
	}
	return f, nil
}

type span struct {
	name       string
	begin, end uint64
}

// layout validates header against a data buffer of dataLen bytes: every
// tensor's dtype, shape and offsets, no overlaps, no gaps. The tensors of
// the returned File have no Data yet; spans (in data order) locate it.
func layout(name string, header []byte, dataLen uint64) (*File, []span, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", name, fmt.Sprintf(format, a...))
	}
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, nil, bad("header: %v", err)
	}
	f := &File{Path: name, Metadata: meta, byName: make(map[string]*Tensor, len(entries))}
	spans := make([]span, 0, len(entries))
	for _, e := range entries {
		h := e.info
		size := h.DType.Size()
		if size == 0 {
			return nil, nil, bad("tensor %q: unknown dtype %q", e.name, h.DType)
		}
		if len(h.Offsets) != 2 {
			return nil, nil, bad("tensor %q: data_offsets must be [begin, end]", e.name)
		}
		begin, end := h.Offsets[0], h.Offsets[1]
		if begin > end || end > dataLen {
			return nil, nil, bad("tensor %q: data_offsets [%d, %d] outside the %d data bytes", e.name, begin, end, dataLen)
		}
		numel := uint64(1)
		for _, d := range h.Shape {
			if d < 0 {
				return nil, nil, bad("tensor %q: negative dimension in shape %v", e.name, h.Shape)
			}
			if d > 0 && numel > math.MaxUint64/uint64(d) {
				return nil, nil, bad("tensor %q: shape %v overflows", e.name, h.Shape)
			}
			numel *= uint64(d)
		}
		if numel > math.MaxUint64/uint64(size) || numel*uint64(size) != end-begin {
			return nil, nil, bad("tensor %q: shape %v x %s needs %d bytes, data_offsets give %d", e.name, h.Shape, h.DType, numel*uint64(size), end-begin)
		}
		f.byName[e.name] = &Tensor{Name: e.name, DType: h.DType, Shape: h.Shape}
		spans = append(spans, span{e.name, begin, end})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].begin < spans[j].begin })
	var pos uint64
	for _, s := range spans {
		if s.begin < pos {
			return nil, nil, bad("tensor %q: data_offsets [%d, %d] overlap the previous tensor", s.name, s.begin, s.end)
		}
		if s.begin > pos {
			return nil, nil, bad("tensor %q: gap of %d bytes before it in the data", s.name, s.begin-pos)
		}
		pos = s.end
		f.names = append(f.names, s.name)
	}
	if pos != dataLen {
		return nil, nil, bad("%d trailing data bytes belong to no tensor", dataLen-pos)
	}
	return f, spans, nil
}

type headerInfo struct {
	DType   DType    `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets []uint64 `json:"data_offsets"`
}

type headerEntry struct {
	name string
	info headerInfo
}

// parseHeader decodes the JSON object token by token so duplicate names and
// unknown fields are caught rather than silently merged.
func parseHeader(h []byte) ([]headerEntry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(h))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	var entries []headerEntry
	var meta map[string]string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key := tok.(string) // object keys are always strings
		if seen[key] {
			return nil, nil, fmt.Errorf("duplicate entry %q", key)
		}
		seen[key] = true
		if key == "__metadata__" {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, fmt.Errorf("__metadata__: %v", err)
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", key, err)
		}
		var info headerInfo
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&info); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", key, err)
		}
		if info.DType == "" || info.Offsets == nil || info.Shape == nil {
			return nil, nil, fmt.Errorf("tensor %q: needs dtype, shape and data_offsets", key)
		}
		entries = append(entries, headerEntry{key, info})
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("trailing data after the JSON object")
	}
	return entries, meta, nil
}

// Names returns the tensor names in data order.
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Get returns the tensor called name.
func (f *File) Get(name string) (*Tensor, bool) {
	t, ok := f.byName[name]
	return t, ok
}

// Has reports whether the file holds name.
func (f *File) Has(name string) bool { _, ok := f.byName[name]; return ok }

func (f *File) get(name string) (*Tensor, error) {
	t, ok := f.byName[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	return t, nil
}

// Float32 returns the tensor converted to float32 (from F32, F16, BF16 or F64)
// and its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, err := f.get(name)
	if err != nil {
		return nil, nil, err
	}
	out, err := t.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", f.Path, err)
	}
	return out, t.Shape, nil
}

// Int64 returns the tensor converted to int64 (from I64 or I32) and its shape.
func (f *File) Int64(name string) ([]int64, []int, error) {
	t, err := f.get(name)
	if err != nil {
		return nil, nil, err
	}
	out, err := t.Int64()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", f.Path, err)
	}
	return out, t.Shape, nil
}

// Float32 converts the tensor's data to float32.
func (t *Tensor) Float32() ([]float32, error) {
	es := t.DType.Size()
	if es == 0 {
		es = 1
	}
	out := make([]float32, len(t.Data)/es)
	if err := t.DecodeFloat32(out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeFloat32 converts the tensor's data (F32, F16, BF16 or F64) into
// dst, which must hold exactly its elements: loaders decode straight into
// parameters, with no intermediate copy.
func (t *Tensor) DecodeFloat32(dst []float32) error {
	if es := t.DType.Size(); es == 0 || len(t.Data) != es*len(dst) {
		return fmt.Errorf("tensor %q: %d bytes of %s do not fill %d values", t.Name, len(t.Data), t.DType, len(dst))
	}
	if !decodeFloat32(t.DType, t.Data, dst) {
		return notFloat(t.Name, t.DType)
	}
	return nil
}

func notFloat(name string, dt DType) error {
	return fmt.Errorf("tensor %q: dtype %s is not a float type", name, dt)
}

// decodeFloat32 converts d, exactly len(dst) elements of dt, into dst; it
// reports false when dt is not a float type.
func decodeFloat32(dt DType, d []byte, dst []float32) bool {
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
		return true
	case F16, BF16:
		widen := precision.FromFP16Bits
		if dt == BF16 {
			widen = precision.FromBF16Bits
		}
		for i := range dst {
			dst[i] = widen(binary.LittleEndian.Uint16(d[2*i:]))
		}
		return true
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
		return true
	}
	return false
}

// Int64 converts the tensor's data to int64.
func (t *Tensor) Int64() ([]int64, error) {
	d := t.Data
	switch t.DType {
	case I64:
		out := make([]int64, len(d)/8)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(d[8*i:]))
		}
		return out, nil
	case I32:
		out := make([]int64, len(d)/4)
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("tensor %q: dtype %s is not an integer type", t.Name, t.DType)
}

// ReadHeader reads and checks path's header only (names, dtypes, shapes,
// offsets against the file's size), not the tensor data: the returned
// tensors have nil Data. It reads at most MaxHeader bytes, whatever the
// file's size.
func ReadHeader(path string) ([]Tensor, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", path, fmt.Sprintf(format, a...))
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, bad("%d bytes, shorter than the 8-byte header length", st.Size())
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeader {
		return nil, bad("header length %d exceeds the 100 MB limit", n)
	}
	if n > uint64(st.Size()-8) {
		return nil, bad("header length %d runs past the end of the %d-byte file (truncated?)", n, st.Size())
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(f, header); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	entries, _, err := parseHeader(header)
	if err != nil {
		return nil, bad("header: %v", err)
	}
	data := uint64(st.Size()) - 8 - n
	out := make([]Tensor, 0, len(entries))
	for _, e := range entries {
		h := e.info
		size := h.DType.Size()
		if size == 0 {
			return nil, bad("tensor %q: unknown dtype %q", e.name, h.DType)
		}
		if len(h.Offsets) != 2 || h.Offsets[0] > h.Offsets[1] || h.Offsets[1] > data {
			return nil, bad("tensor %q: data_offsets %v outside the %d data bytes", e.name, h.Offsets, data)
		}
		numel := uint64(1)
		for _, d := range h.Shape {
			if d < 0 || d > 0 && numel > math.MaxUint64/uint64(d) {
				return nil, bad("tensor %q: bad shape %v", e.name, h.Shape)
			}
			numel *= uint64(d)
		}
		if numel > math.MaxUint64/uint64(size) || numel*uint64(size) != h.Offsets[1]-h.Offsets[0] {
			return nil, bad("tensor %q: shape %v x %s needs %d bytes, data_offsets give %d", e.name, h.Shape, h.DType, numel*uint64(size), h.Offsets[1]-h.Offsets[0])
		}
		out = append(out, Tensor{Name: e.name, DType: h.DType, Shape: h.Shape})
	}
	return out, nil
}
