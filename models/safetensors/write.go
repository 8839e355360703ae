package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/precision"
)

// FromFloat32 encodes float32 values as a tensor of type dt (F32, F16 or
// BF16; the 16-bit types round to nearest even).
func FromFloat32(name string, dt DType, shape []int, x []float32) Tensor {
	checkLen(name, shape, len(x))
	var b []byte
	switch dt {
	case F32:
		b = make([]byte, 4*len(x))
		for i, v := range x {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
	case F16, BF16:
		b = make([]byte, 2*len(x))
		conv := precision.ToFP16Bits
		if dt == BF16 {
			conv = precision.ToBF16Bits
		}
		for i, v := range x {
			binary.LittleEndian.PutUint16(b[2*i:], conv(v))
		}
	default:
		panic(fmt.Sprintf("safetensors.FromFloat32: %s is not a float type", dt))
	}
	return Tensor{Name: name, DType: dt, Shape: append([]int(nil), shape...), Data: b}
}

// F32Tensor is FromFloat32 with F32.
func F32Tensor(name string, shape []int, x []float32) Tensor { return FromFloat32(name, F32, shape, x) }

// I64Tensor encodes int64 values.
func I64Tensor(name string, shape []int, x []int64) Tensor {
	checkLen(name, shape, len(x))
	b := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: append([]int(nil), shape...), Data: b}
}

func checkLen(name string, shape []int, n int) {
	want := 1
	for _, d := range shape {
		want *= d
	}
	if want != n {
		panic(fmt.Sprintf("safetensors: tensor %q: shape %v needs %d values, have %d", name, shape, want, n))
	}
}

// WriteFile writes the tensors, sorted by name as the Python library does,
// atomically to path. meta may be nil.
func WriteFile(path string, tensors []Tensor, meta map[string]string) error {
	enc, err := encodeHeader(tensors, meta)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return fsx.WriteAtomic(path, enc.writeTo)
}

// Write encodes the tensors as a safetensors stream to w (for containers
// that embed one, such as ssmlab checkpoints).
func Write(w io.Writer, tensors []Tensor, meta map[string]string) error {
	enc, err := encodeHeader(tensors, meta)
	if err != nil {
		return err
	}
	return enc.writeTo(w)
}

type encoded struct {
	header []byte
	sorted []Tensor
}

func encodeHeader(tensors []Tensor, meta map[string]string) (*encoded, error) {
	sorted := append([]Tensor(nil), tensors...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	header := make(map[string]any, len(sorted)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off uint64
	for i, t := range sorted {
		if i > 0 && sorted[i-1].Name == t.Name {
			return nil, fmt.Errorf("duplicate tensor %q", t.Name)
		}
		if t.Name == "__metadata__" {
			return nil, fmt.Errorf("reserved tensor name __metadata__")
		}
		if t.DType.Size() == 0 {
			return nil, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		if t.F32 != nil && (t.DType != F32 || t.Data != nil) {
			return nil, fmt.Errorf("tensor %q: F32 values need dtype F32 and no Data", t.Name)
		}
		header[t.Name] = headerInfo{DType: t.DType, Shape: shape, Offsets: []uint64{off, off + uint64(t.size())}}
		off += uint64(t.size())
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 { // the Python writer pads the header with spaces to 8 bytes
		h = append(h, ' ')
	}
	return &encoded{h, sorted}, nil
}

func (e *encoded) writeTo(w io.Writer) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(e.header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(e.header); err != nil {
		return err
	}
	var buf []byte
	for _, t := range e.sorted {
		if t.F32 == nil {
			if _, err := w.Write(t.Data); err != nil {
				return err
			}
			continue
		}
		for lo := 0; lo < len(t.F32); lo += 1 << 14 {
			x := t.F32[lo:min(len(t.F32), lo+1<<14)]
			buf = buf[:0]
			for _, v := range x {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// F32Values is a tensor whose float32 values are encoded while it is
// written (see Tensor.F32): x must not change until the write returns.
func F32Values(name string, shape []int, x []float32) Tensor {
	checkLen(name, shape, len(x))
	return Tensor{Name: name, DType: F32, Shape: append([]int(nil), shape...), F32: x}
}
