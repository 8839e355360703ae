package torchckpt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"io"
	"os"

	"github.com/ssmlab/ssmlab/models/safetensors"
)

// The legacy torch.save format (PyTorch < 1.6, _legacy_save): four pickles
// in a row — the magic number 0x1950a86a20f9469cfc6c, the protocol version
// 1001, a dict of system facts, the object (storages as persistent ids
// ('storage', type, key, location, numel, view_metadata)) — then a pickled
// list of storage keys, then each storage in that order as an int64
// element count followed by its raw little-endian bytes.

// legacyMagic is the pickle of the magic number (protocol 2, LONG1 of 10 bytes).
var legacyMagic = []byte{0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}

// maxLegacyHead bounds the pickles read before the storages.
const maxLegacyHead = 64 << 20

func openLegacy(path string) (*File, error) {
	fh, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	f, err := parseLegacy(path, fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return f, nil
}

func parseLegacy(path string, fh *os.File) (*File, error) {
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	head := make([]byte, min(st.Size(), maxLegacyHead))
	if _, err := io.ReadFull(fh, head); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if !bytes.HasPrefix(head, legacyMagic) {
		return nil, fmt.Errorf("%s: a pickle, but not a torch.save checkpoint (no magic number)", path)
	}
	pos := len(legacyMagic)
	next := func(persid func(any) (any, error)) (any, error) {
		obj, n, err := unpickleAt(head[pos:], persid)
		pos += n
		return obj, err
	}
	if v, err := next(nil); err != nil || v != int64(1001) {
		return nil, fmt.Errorf("%s: legacy torch.save protocol %v (want 1001): %v", path, v, err)
	}
	info, err := next(nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if d, ok := info.(*dict); !ok || d.vals["little_endian"] != true {
		return nil, fmt.Errorf("%s: only little-endian checkpoints are read", path)
	}
	storages := map[string]*storage{}
	obj, err := next(func(pid any) (any, error) {
		t, ok := pid.(tuple)
		if !ok || len(t) != 6 {
			return nil, fmt.Errorf("persistent id is not a ('storage', type, key, location, numel, view) tuple")
		}
		if t[5] != nil {
			return nil, fmt.Errorf("storage views are not supported")
		}
		s, err := persistentStorage(t[:5])
		if err == nil {
			if prev, ok := storages[s.key]; ok {
				return prev, nil
			}
			storages[s.key] = s
		}
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	names, tensors, err := checkStateDict(obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	keys, err := next(nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	kl, ok := keys.(*list)
	if !ok {
		return nil, fmt.Errorf("%s: storage key list is a %s", path, typeName(keys))
	}
	f := &File{Path: path, closer: fh, names: names, tensors: tensors, records: map[string]func() (io.ReadCloser, error){}}
	off := int64(pos)
	for _, k := range kl.items {
		key, _ := k.(string)
		s := storages[key]
		if s == nil {
			return nil, fmt.Errorf("%s: storage %v is listed but no tensor uses it", path, k)
		}
		var nb [8]byte
		if _, err := fh.ReadAt(nb[:], off); err != nil {
			return nil, fmt.Errorf("%s: storage %s: %v", path, key, err)
		}
		size := int64(safetensors.DType(s.dtype).Size()) * s.numel
		if n := int64(binary.LittleEndian.Uint64(nb[:])); n != s.numel || off+8+size > st.Size() {
			return nil, fmt.Errorf("%s: storage %s holds %d elements, the pickle says %d (truncated?)", path, key, n, s.numel)
		}
		sec := io.NewSectionReader(fh, off+8, size)
		f.records[key] = func() (io.ReadCloser, error) {
			return io.NopCloser(io.NewSectionReader(sec, 0, size)), nil
		}
		off += 8 + size
	}
	for _, n := range names {
		if f.records[tensors[n].st.key] == nil {
			return nil, fmt.Errorf("%s: tensor %q: storage %s is not in the file", path, n, tensors[n].st.key)
		}
	}
	return f, nil
}
