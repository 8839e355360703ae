package torchckpt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The pickle machine: a stack, a mark stack and a memo. It accepts the
// opcodes of protocols 0-5 that torch.save (protocol 2) and plain
// pickle.dump of a dict of tensors emit; every other opcode, and every
// global not in allowedGlobals, is an error. Nothing is ever called: the
// allowed globals map to Go functions that build inert values.

// global is a GLOBAL/STACK_GLOBAL reference that passed the allow list.
type global struct{ module, name string }

func (g global) String() string { return g.module + "." + g.name }

// tuple and list are pickle sequences; dict keeps insertion order.
type (
	tuple []any
	list  struct{ items []any }
	dict  struct {
		keys []any
		vals map[any]any
	}
)

// storage is a persistent-id reference to a zip record data/<key>.
type storage struct {
	dtype string // safetensors dtype name
	key   string
	numel int64
}

// tensor is _rebuild_tensor_v2's view of a storage.
type tensor struct {
	st     *storage
	offset int64
	shape  []int64
	stride []int64
}

func newDict() *dict { return &dict{vals: map[any]any{}} }

func (d *dict) set(k, v any) error {
	if !hashable(k) {
		return fmt.Errorf("dict key of type %s", typeName(k))
	}
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
	return nil
}

func hashable(v any) bool {
	switch v.(type) {
	case string, int64, bool, nil, float64:
		return true
	}
	return false
}

// storageTypes maps torch.<X>Storage to the safetensors dtype of its elements.
var storageTypes = map[string]string{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// allowed reports whether module.name may be referenced by a weights-only
// checkpoint.
func allowed(module, name string) bool {
	switch module + "." + name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter":
		return true
	}
	return module == "torch" && storageTypes[name] != ""
}

// maxMemo bounds the memo index a pickle may use (a state dict of thousands
// of tensors needs a few tens of thousands).
const maxMemo = 1 << 24

type machine struct {
	data   []byte
	pos    int
	stack  []any
	marks  []int
	memo   map[int]any
	persid func(pid any) (any, error)
}

// unpickle runs the pickle in data and returns the object STOP leaves.
// persid resolves BINPERSID references (storages); nil refuses them.
func unpickle(data []byte, persid func(any) (any, error)) (any, error) {
	v, _, err := unpickleAt(data, persid)
	return v, err
}

// unpickleAt is unpickle of the pickle at the start of data; it also
// returns the bytes the pickle took (up to and with STOP).
func unpickleAt(data []byte, persid func(any) (any, error)) (any, int, error) {
	m := &machine{data: data, memo: map[int]any{}, persid: persid}
	for {
		if m.pos >= len(m.data) {
			return nil, m.pos, fmt.Errorf("pickle ends without STOP")
		}
		op := m.data[m.pos]
		at := m.pos
		m.pos++
		done, err := m.step(op)
		if rg, ok := err.(*refusedGlobal); ok {
			return nil, m.pos, rg
		}
		if err != nil {
			return nil, m.pos, fmt.Errorf("pickle byte %d (opcode %q): %v", at, op, err)
		}
		if done {
			if len(m.stack) != 1 {
				return nil, m.pos, fmt.Errorf("pickle STOP with %d objects on the stack, want 1", len(m.stack))
			}
			return m.stack[0], m.pos, nil
		}
	}
}

// refusedGlobal is the error for a global outside the allow list.
type refusedGlobal struct{ name string }

func (e *refusedGlobal) Error() string {
	return fmt.Sprintf("refused pickle global %s (weights-only loading allows only tensor state dicts)", e.name)
}

func (m *machine) read(n int) ([]byte, error) {
	if n < 0 || n > len(m.data)-m.pos {
		return nil, fmt.Errorf("truncated: needs %d more bytes", n)
	}
	b := m.data[m.pos : m.pos+n]
	m.pos += n
	return b, nil
}

func (m *machine) line() (string, error) {
	for i := m.pos; i < len(m.data); i++ {
		if m.data[i] == '\n' {
			s := string(m.data[m.pos:i])
			m.pos = i + 1
			return s, nil
		}
	}
	return "", fmt.Errorf("truncated: no end of line")
}

func (m *machine) uint(n int) (uint64, error) {
	b, err := m.read(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

func (m *machine) push(v any) { m.stack = append(m.stack, v) }

func (m *machine) pop() (any, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) <= m.marks[len(m.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (any, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) <= m.marks[len(m.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark returns the objects above the last MARK and removes them.
func (m *machine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, fmt.Errorf("no MARK")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]any(nil), m.stack[k:]...)
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) put(i uint64) error {
	if i >= maxMemo {
		return fmt.Errorf("memo index %d too large", i)
	}
	v, err := m.top()
	if err != nil {
		return err
	}
	m.memo[int(i)] = v
	return nil
}

func (m *machine) get(i uint64) error {
	v, ok := m.memo[int(min(i, maxMemo))]
	if !ok {
		return fmt.Errorf("memo index %d not set", i)
	}
	m.push(v)
	return nil
}

func (m *machine) global(module, name string) error {
	if !allowed(module, name) {
		return &refusedGlobal{module + "." + name}
	}
	m.push(global{module, name})
	return nil
}

func (m *machine) str(n uint64, err error) error {
	if err != nil {
		return err
	}
	if n > uint64(len(m.data)) {
		return fmt.Errorf("truncated: string of %d bytes", n)
	}
	b, err := m.read(int(n))
	if err != nil {
		return err
	}
	m.push(string(b))
	return nil
}

func (m *machine) bytes(n uint64, err error) error {
	if err != nil {
		return err
	}
	if n > uint64(len(m.data)) {
		return fmt.Errorf("truncated: bytes of %d", n)
	}
	b, err := m.read(int(n))
	if err != nil {
		return err
	}
	m.push(append([]byte(nil), b...))
	return nil
}

// step runs one opcode; it returns true at STOP.
func (m *machine) step(op byte) (bool, error) {
	switch op {
	case 0x80: // PROTO
		v, err := m.uint(1)
		if err == nil && v > 5 {
			err = fmt.Errorf("pickle protocol %d is newer than 5", v)
		}
		return false, err
	case 0x95: // FRAME: a length hint only
		_, err := m.uint(8)
		return false, err
	case '.': // STOP
		return true, nil
	case '(': // MARK
		m.marks = append(m.marks, len(m.stack))
	case '0': // POP
		if _, err := m.pop(); err != nil {
			return false, err
		}
	case '1': // POP_MARK
		_, err := m.popMark()
		return false, err
	case '2': // DUP
		v, err := m.top()
		if err != nil {
			return false, err
		}
		m.push(v)
	case 'N':
		m.push(nil)
	case 0x88: // NEWTRUE
		m.push(true)
	case 0x89: // NEWFALSE
		m.push(false)
	case 'K': // BININT1
		v, err := m.uint(1)
		m.push(int64(v))
		return false, err
	case 'M': // BININT2
		v, err := m.uint(2)
		m.push(int64(v))
		return false, err
	case 'J': // BININT
		v, err := m.uint(4)
		m.push(int64(int32(v)))
		return false, err
	case 0x8a: // LONG1
		n, err := m.uint(1)
		if err != nil {
			return false, err
		}
		if n > 8 {
			return false, fmt.Errorf("LONG1 of %d bytes exceeds int64", n)
		}
		b, err := m.read(int(n))
		if err != nil {
			return false, err
		}
		var v int64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | int64(b[i])
		}
		if n > 0 && n < 8 && b[n-1]&0x80 != 0 { // sign-extend
			v -= 1 << (8 * n)
		}
		m.push(v)
	case 'G': // BINFLOAT (big-endian)
		b, err := m.read(8)
		if err != nil {
			return false, err
		}
		m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X': // BINUNICODE
		return false, m.str(m.uint(4))
	case 0x8c: // SHORT_BINUNICODE
		return false, m.str(m.uint(1))
	case 0x8d: // BINUNICODE8
		return false, m.str(m.uint(8))
	case 'T': // BINSTRING (protocol 1-2 str)
		return false, m.str(m.uint(4))
	case 'U': // SHORT_BINSTRING
		return false, m.str(m.uint(1))
	case 'B': // BINBYTES
		return false, m.bytes(m.uint(4))
	case 'C': // SHORT_BINBYTES
		return false, m.bytes(m.uint(1))
	case 0x8e: // BINBYTES8
		return false, m.bytes(m.uint(8))
	case '}': // EMPTY_DICT
		m.push(newDict())
	case ']': // EMPTY_LIST
		m.push(&list{})
	case ')': // EMPTY_TUPLE
		m.push(tuple{})
	case 't': // TUPLE
		items, err := m.popMark()
		m.push(tuple(items))
		return false, err
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op-0x85) + 1
		t := make(tuple, n)
		for i := n - 1; i >= 0; i-- {
			v, err := m.pop()
			if err != nil {
				return false, err
			}
			t[i] = v
		}
		m.push(t)
	case 'l': // LIST
		items, err := m.popMark()
		m.push(&list{items})
		return false, err
	case 'd': // DICT
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		d := newDict()
		m.push(d)
		return false, setItems(d, items)
	case 'a': // APPEND
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		return false, appendTo(m, []any{v})
	case 'e': // APPENDS
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		return false, appendTo(m, items)
	case 's': // SETITEM
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		k, err := m.pop()
		if err != nil {
			return false, err
		}
		return false, setInto(m, []any{k, v})
	case 'u': // SETITEMS
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		return false, setInto(m, items)
	case 'q': // BINPUT
		i, err := m.uint(1)
		if err != nil {
			return false, err
		}
		return false, m.put(i)
	case 'r': // LONG_BINPUT
		i, err := m.uint(4)
		if err != nil {
			return false, err
		}
		return false, m.put(i)
	case 0x94: // MEMOIZE
		return false, m.put(uint64(len(m.memo)))
	case 'h': // BINGET
		i, err := m.uint(1)
		if err != nil {
			return false, err
		}
		return false, m.get(i)
	case 'j': // LONG_BINGET
		i, err := m.uint(4)
		if err != nil {
			return false, err
		}
		return false, m.get(i)
	case 'c': // GLOBAL "module\nname\n"
		mod, err := m.line()
		if err != nil {
			return false, err
		}
		name, err := m.line()
		if err != nil {
			return false, err
		}
		return false, m.global(mod, name)
	case 0x93: // STACK_GLOBAL
		name, err := m.pop()
		if err != nil {
			return false, err
		}
		mod, err := m.pop()
		if err != nil {
			return false, err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("STACK_GLOBAL of non-strings")
		}
		return false, m.global(ms, ns)
	case 'Q': // BINPERSID
		pid, err := m.pop()
		if err != nil {
			return false, err
		}
		if m.persid == nil {
			return false, fmt.Errorf("persistent id outside a checkpoint")
		}
		v, err := m.persid(pid)
		if err != nil {
			return false, err
		}
		m.push(v)
	case 'R': // REDUCE
		args, err := m.pop()
		if err != nil {
			return false, err
		}
		fn, err := m.pop()
		if err != nil {
			return false, err
		}
		v, err := call(fn, args)
		if err != nil {
			return false, err
		}
		m.push(v)
	case 'b': // BUILD: only an object's __dict__ state, which is ignored
		st, err := m.pop()
		if err != nil {
			return false, err
		}
		obj, err := m.top()
		if err != nil {
			return false, err
		}
		return false, build(obj, st)
	default:
		return false, fmt.Errorf("opcode not allowed in a weights-only checkpoint")
	}
	return false, nil
}

func setItems(d *dict, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func setInto(m *machine, items []any) error {
	top, err := m.top()
	if err != nil {
		return err
	}
	d, ok := top.(*dict)
	if !ok {
		return fmt.Errorf("SETITEM on a %s", typeName(top))
	}
	return setItems(d, items)
}

func appendTo(m *machine, items []any) error {
	top, err := m.top()
	if err != nil {
		return err
	}
	l, ok := top.(*list)
	if !ok {
		return fmt.Errorf("APPEND on a %s", typeName(top))
	}
	l.items = append(l.items, items...)
	return nil
}

// build accepts the state torch.save attaches to a state dict (its
// _metadata, a dict of per-module versions) and to tensors (none); the
// state is validated to be plain data and dropped.
func build(obj, st any) error {
	switch obj.(type) {
	case *dict, *tensor:
	default:
		return fmt.Errorf("BUILD on a %s", typeName(obj))
	}
	if _, ok := st.(*dict); !ok && st != nil {
		return fmt.Errorf("BUILD with %s state", typeName(st))
	}
	return nil
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return "str"
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case []byte:
		return "bytes"
	case tuple:
		return "tuple"
	case *list:
		return "list"
	case *dict:
		return "dict"
	case global:
		return v.String()
	case *storage:
		return "storage"
	case *tensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
