package torchckpt

import (
	"archive/zip"
	"bytes"
	"fmt"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"io"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/models/safetensors"
)

// maxPickle bounds data.pkl: a state dict's pickle holds names and shapes
// only (tens of kB for billions of parameters).
const maxPickle = 64 << 20

// File is an open PyTorch checkpoint: its pickle is parsed and checked,
// tensor bytes are read on demand, one tensor at a time.
type File struct {
	Path    string
	closer  io.Closer
	records map[string]func() (io.ReadCloser, error) // storage key -> its bytes
	names   []string                                 // in pickle order
	tensors map[string]*tensor
}

// Open reads path's pickle and checks every tensor against its storage
// record. Nothing in the file is executed; a global other than those a
// state dict of tensors needs is an error naming it.
func Open(path string) (*File, error) {
	head := make([]byte, 4)
	if fh, err := fsx.Open(path); err != nil {
		return nil, err
	} else {
		_, err = io.ReadFull(fh, head)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: not a PyTorch checkpoint: %d bytes", path, len(head))
		}
	}
	if !bytes.Equal(head, []byte("PK\x03\x04")) {
		if head[0] == 0x80 {
			return openLegacy(path)
		}
		return nil, fmt.Errorf("%s: not a PyTorch checkpoint (no zip archive)", path)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f, err := parse(path, zr)
	if err != nil {
		zr.Close()
		return nil, err
	}
	return f, nil
}

func parse(path string, zr *zip.ReadCloser) (*File, error) {
	var pkl *zip.File
	byName := map[string]*zip.File{}
	for _, zf := range zr.File {
		byName[zf.Name] = zf
		if strings.HasSuffix(zf.Name, "/data.pkl") && strings.Count(zf.Name, "/") == 1 {
			if pkl != nil {
				return nil, fmt.Errorf("%s: two pickles (%s, %s)", path, pkl.Name, zf.Name)
			}
			pkl = zf
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("%s: zip archive without <name>/data.pkl (not a torch.save file)", path)
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	if bo, ok := byName[prefix+"byteorder"]; ok {
		b, err := readAll(bo, 16)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("%s: byte order %q; only little-endian checkpoints are read", path, b)
		}
	}
	data, err := readAll(pkl, maxPickle)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", path, pkl.Name, err)
	}
	f := &File{Path: path, closer: zr, records: map[string]func() (io.ReadCloser, error){}, tensors: map[string]*tensor{}}
	names, tensors, err := stateDict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for _, n := range names {
		t := tensors[n]
		rec, ok := byName[prefix+"data/"+t.st.key]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q: no storage record %sdata/%s", path, n, prefix, t.st.key)
		}
		es := uint64(safetensors.DType(t.st.dtype).Size())
		if rec.UncompressedSize64/es != uint64(t.st.numel) || rec.UncompressedSize64%es != 0 {
			return nil, fmt.Errorf("%s: tensor %q: storage %s holds %d bytes, the pickle says %d %s elements", path, n, t.st.key, rec.UncompressedSize64, t.st.numel, t.st.dtype)
		}
		f.records[t.st.key] = rec.Open
	}
	f.names, f.tensors = names, tensors
	return f, nil
}

// stateDict unpickles data and checks that it is a dict of named tensors.
func stateDict(data []byte) ([]string, map[string]*tensor, error) {
	obj, err := unpickle(data, func(pid any) (any, error) { return persistentStorage(pid) })
	if err != nil {
		return nil, nil, err
	}
	return checkStateDict(obj)
}

// checkStateDict checks that obj is a dict of named tensors.
func checkStateDict(obj any) ([]string, map[string]*tensor, error) {
	d, ok := obj.(*dict)
	if !ok {
		return nil, nil, fmt.Errorf("the pickle holds a %s, not a state dict of tensors", typeName(obj))
	}
	tensors := map[string]*tensor{}
	var names []string
	for _, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("state dict key %v is not a string", k)
		}
		t, ok := d.vals[k].(*tensor)
		if !ok {
			return nil, nil, fmt.Errorf("state dict entry %q is a %s, not a tensor", name, typeName(d.vals[k]))
		}
		names = append(names, name)
		tensors[name] = t
	}
	return names, tensors, nil
}

func readAll(zf *zip.File, limit uint64) ([]byte, error) {
	if zf.UncompressedSize64 > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than %d", zf.Name, zf.UncompressedSize64, limit)
	}
	r, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", zf.Name, err)
	}
	return b, nil
}

// Close releases the archive.
func (f *File) Close() error { return f.closer.Close() }

// Names returns the tensor names in the pickle's order.
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Shape returns a tensor's shape and dtype without reading its data.
func (f *File) Shape(name string) ([]int, safetensors.DType, bool) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, "", false
	}
	return dims(t.shape), safetensors.DType(t.st.dtype), true
}

func dims(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

// Tensor reads one tensor's bytes (contiguous, little-endian, in its
// stored dtype). Views of a shared storage (tied weights) each get a copy.
func (f *File) Tensor(name string) (safetensors.Tensor, error) { return f.TensorInto(name, nil) }

// TensorInto is Tensor with its data in buf when buf is large enough (the
// returned Data aliases it), so loaders reuse one buffer.
func (f *File) TensorInto(name string, buf []byte) (safetensors.Tensor, error) {
	t, ok := f.tensors[name]
	if !ok {
		return safetensors.Tensor{}, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	es := int64(safetensors.DType(t.st.dtype).Size())
	numel, last, _ := t.extent() // checked when parsed
	out := safetensors.Tensor{Name: name, DType: safetensors.DType(t.st.dtype), Shape: dims(t.shape)}
	if numel == 0 {
		out.Data = []byte{}
		return out, nil
	}
	r, err := f.records[t.st.key]()
	if err != nil {
		return out, fmt.Errorf("%s: tensor %q: %v", f.Path, name, err)
	}
	defer r.Close()
	if t.contiguous() {
		if _, err := io.CopyN(io.Discard, r, t.offset*es); err != nil {
			return out, fmt.Errorf("%s: tensor %q: %v", f.Path, name, err)
		}
		out.Data = grow(buf, numel*es)
		if _, err := io.ReadFull(r, out.Data); err != nil {
			return out, fmt.Errorf("%s: tensor %q: %v", f.Path, name, err)
		}
		return out, nil
	}
	raw := make([]byte, (last+1)*es)
	if _, err := io.ReadFull(r, raw); err != nil {
		return out, fmt.Errorf("%s: tensor %q: %v", f.Path, name, err)
	}
	out.Data = grow(buf, numel*es)
	gather(out.Data, raw, t, es)
	return out, nil
}

func grow(buf []byte, n int64) []byte {
	if int64(cap(buf)) < n {
		return make([]byte, n)
	}
	return buf[:n]
}

// gather copies a strided view into dst in row-major order.
func gather(dst, src []byte, t *tensor, es int64) {
	idx := make([]int64, len(t.shape))
	for o := int64(0); o < int64(len(dst))/es; o++ {
		at := t.offset
		for i, k := range idx {
			at += k * t.stride[i]
		}
		copy(dst[o*es:(o+1)*es], src[at*es:(at+1)*es])
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < t.shape[i] {
				break
			}
			idx[i] = 0
		}
	}
}

// ReadAll returns every tensor of path, in name order (for conversion and
// tests; loaders use Open and read one tensor at a time).
func ReadAll(path string) ([]safetensors.Tensor, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := f.Names()
	sort.Strings(names)
	out := make([]safetensors.Tensor, 0, len(names))
	for _, n := range names {
		t, err := f.Tensor(n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
