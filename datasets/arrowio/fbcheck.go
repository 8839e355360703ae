package arrowio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// fbcheck verifies the flatbuffer metadata of Arrow IPC messages and file
// footers before arrow-go decodes them. arrow-go trusts vector lengths
// (make([]Field, n) with n from the file) and follows offsets that may form
// cycles; a few corrupt bytes would then exhaust memory or the stack, which
// no recover can catch. The checks follow Message.fbs, Schema.fbs and
// File.fbs: every table, vector and string that arrow-go reads lies inside
// the buffer, and the number of tables visited is bounded by the size.
type fbcheck struct {
	b      []byte
	budget int // tables left to visit
}

var errFlatbuf = errors.New("metadata flatbuffer out of bounds")

func newFBCheck(b []byte) *fbcheck { return &fbcheck{b: b, budget: len(b)/4 + 8} }

func (f *fbcheck) has(pos uint32, n int64) bool { return int64(pos)+n <= int64(len(f.b)) }

func (f *fbcheck) u32(pos uint32) uint32 {
	if !f.has(pos, 4) {
		panic(errFlatbuf)
	}
	return binary.LittleEndian.Uint32(f.b[pos:])
}

func (f *fbcheck) u16(pos uint32) uint16 {
	if !f.has(pos, 2) {
		panic(errFlatbuf)
	}
	return binary.LittleEndian.Uint16(f.b[pos:])
}

// table checks the table at pos and its vtable, counting it against the budget.
func (f *fbcheck) table(pos uint32) uint32 {
	if f.budget--; f.budget < 0 {
		panic(fmt.Errorf("metadata flatbuffer has more tables than its size allows (cyclic?)"))
	}
	vt := uint32(int32(pos) - int32(f.u32(pos)))
	if size := f.u16(vt); size < 4 || !f.has(vt, int64(size)) {
		panic(errFlatbuf)
	}
	return pos
}

// field is the position of slot's value in table t, or 0 if absent.
func (f *fbcheck) field(t uint32, slot int) uint32 {
	vt := uint32(int32(t) - int32(f.u32(t)))
	vo := uint32(4 + 2*slot)
	if vo >= uint32(f.u16(vt)) {
		return 0
	}
	if off := f.u16(vt + vo); off != 0 {
		return t + uint32(off)
	}
	return 0
}

// ref follows the offset in slot to a table or vector, or returns 0.
func (f *fbcheck) ref(t uint32, slot int) uint32 {
	p := f.field(t, slot)
	if p == 0 {
		return 0
	}
	return p + f.u32(p)
}

// vector checks the vector in slot (elements of elem bytes) and returns the
// position of its first element and its length.
func (f *fbcheck) vector(t uint32, slot int, elem int64) (uint32, int) {
	p := f.ref(t, slot)
	if p == 0 {
		return 0, 0
	}
	n := f.u32(p)
	if !f.has(p+4, int64(n)*elem) {
		panic(fmt.Errorf("metadata vector of %d elements runs past the %d-byte buffer", n, len(f.b)))
	}
	return p + 4, int(n)
}

// tables checks each table of the vector of tables in slot.
func (f *fbcheck) tables(t uint32, slot int, check func(uint32)) {
	start, n := f.vector(t, slot, 4)
	for j := range n {
		p := start + uint32(4*j)
		check(f.table(p + f.u32(p)))
	}
}

func (f *fbcheck) keyValues(t uint32, slot int) {
	f.tables(t, slot, func(kv uint32) {
		f.vector(kv, 0, 1)
		f.vector(kv, 1, 1)
	})
}

func (f *fbcheck) schema(s uint32) {
	f.tables(f.table(s), 1, f.fieldTable)
	f.keyValues(s, 2)
	f.vector(s, 3, 8)
}

func (f *fbcheck) fieldTable(fl uint32) {
	f.vector(fl, 0, 1) // name
	if ty := f.ref(fl, 3); ty != 0 {
		f.table(ty)
		switch f.byteAt(f.field(fl, 2)) {
		case 10: // Timestamp: timezone string
			f.vector(ty, 1, 1)
		case 14: // Union: typeIds
			f.vector(ty, 1, 4)
		}
	}
	if d := f.ref(fl, 4); d != 0 {
		if it := f.ref(f.table(d), 1); it != 0 {
			f.table(it)
		}
	}
	f.tables(fl, 5, f.fieldTable)
	f.keyValues(fl, 6)
}

func (f *fbcheck) byteAt(p uint32) byte {
	if p == 0 {
		return 0
	}
	if !f.has(p, 1) {
		panic(errFlatbuf)
	}
	return f.b[p]
}

func (f *fbcheck) recordBatch(r uint32) {
	f.table(r)
	f.vector(r, 1, 16) // nodes
	_, nbuf := f.vector(r, 2, 16)
	if c := f.ref(r, 3); c != 0 {
		f.table(c)
	}
	start, n := f.vector(r, 4, 8)
	for j := range n {
		if v := int64(binary.LittleEndian.Uint64(f.b[start+uint32(8*j):])); v < 0 || v > int64(nbuf) {
			panic(fmt.Errorf("variadic buffer count %d with %d buffers", v, nbuf))
		}
	}
}

// run calls check and turns a panic into an error.
func (f *fbcheck) run(check func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	check()
	return nil
}

// checkMessage verifies one IPC message's metadata (Message.fbs).
func checkMessage(meta []byte) error {
	f := newFBCheck(meta)
	return f.run(func() {
		m := f.table(f.u32(0))
		f.keyValues(m, 4)
		h := f.ref(m, 2)
		if h == 0 {
			return
		}
		switch f.byteAt(f.field(m, 1)) {
		case 1:
			f.schema(h)
		case 2: // DictionaryBatch: its data is a RecordBatch
			if rb := f.ref(f.table(h), 1); rb != 0 {
				f.recordBatch(rb)
			}
		case 3:
			f.recordBatch(h)
		default:
			f.table(h)
		}
	})
}

// block is one entry of an IPC file footer (File.fbs Block).
type block struct {
	offset, body int64
	meta         int32
}

// checkFooter verifies an IPC file footer and returns its record batch
// and dictionary blocks.
func checkFooter(footer []byte) (batches, dicts []block, err error) {
	f := newFBCheck(footer)
	err = f.run(func() {
		t := f.table(f.u32(0))
		if s := f.ref(t, 1); s != 0 {
			f.schema(s)
		}
		dicts = f.blocks(t, 2)
		batches = f.blocks(t, 3)
		f.keyValues(t, 4)
	})
	return batches, dicts, err
}

func (f *fbcheck) blocks(t uint32, slot int) []block {
	start, n := f.vector(t, slot, 24)
	out := make([]block, n)
	for j := range out {
		b := f.b[start+uint32(24*j):]
		out[j] = block{int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[16:])), int32(binary.LittleEndian.Uint32(b[8:]))}
	}
	return out
}
