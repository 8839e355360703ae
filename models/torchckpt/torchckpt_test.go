package torchckpt

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// The pickle written by torch.save of the Mamba fixture's state dict holds
// the same tensors as the safetensors file transformers wrote, bit for bit.
func TestGoodMatchesSafetensorsTwin(t *testing.T) {
	got, err := ReadAll(fixture(t, "good"))
	if err != nil {
		t.Fatal(err)
	}
	twin, err := safetensors.ReadFile(filepath.Join(testfix.Root(t), "testdata", "fixtures", "seed0", "mamba", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(twin.Names()) {
		t.Fatalf("%d tensors, the twin has %d", len(got), len(twin.Names()))
	}
	for _, g := range got {
		w, ok := twin.Get(g.Name)
		if !ok {
			t.Fatalf("tensor %q is not in the twin", g.Name)
		}
		if g.DType != w.DType || !equalInts(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("%s: %s %v (%d bytes), twin %s %v (%d bytes)", g.Name, g.DType, g.Shape, len(g.Data), w.DType, w.Shape, len(w.Data))
		}
	}
}

// A pickle that calls os.system (posix.system) is refused with one line
// naming the global; nothing runs.
func TestEvilRefused(t *testing.T) {
	marker := "/tmp/pickle-ran" // what the evil pickle would create
	before, statErr := os.Stat(marker)
	_, err := Open(fixture(t, "evil"))
	if err == nil {
		t.Fatal("the evil checkpoint was accepted")
	}
	want := fixture(t, "evil") + ": refused pickle global posix.system (weights-only loading allows only tensor state dicts)"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	if after, e := os.Stat(marker); e == nil && (statErr != nil || !after.ModTime().Equal(before.ModTime())) {
		t.Errorf("%s appeared while reading", marker)
	}
}

// fixture is the torch.save checkpoint testdata/fixtures/seed0/pickles/<which>.
func fixture(t testing.TB, which string) string {
	return filepath.Join(testfix.Root(t), "testdata", "fixtures", "seed0", "pickles", which, "pytorch_model.bin")
}

// pk assembles a protocol-2 pickle from opcodes and operands.
type pk struct{ bytes.Buffer }

func (p *pk) op(b ...byte) *pk { p.Write(b); return p }
func (p *pk) str(s string) *pk {
	p.WriteByte('X')
	n := len(s)
	p.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	p.WriteString(s)
	return p
}
func (p *pk) global(mod, name string) *pk {
	p.WriteString("c" + mod + "\n" + name + "\n")
	return p
}
func (p *pk) int1(v byte) *pk { return p.op('K', v) }

// tensor pushes _rebuild_tensor_v2(storage key, offset, size, stride, False, OrderedDict()).
func (p *pk) tensor(key string, numel byte, offset byte, size, stride []byte) *pk {
	return p.tensorPid(key, numel, offset, size, stride, false)
}

// tensorPid is tensor with the legacy format's 6-tuple persistent id
// (view_metadata None) when legacy is set.
func (p *pk) tensorPid(key string, numel byte, offset byte, size, stride []byte, legacy bool) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(', '(').str("storage").global("torch", "FloatStorage").str(key).str("cpu").int1(numel)
	if legacy {
		p.op('N')
	}
	p.op('t', 'Q')
	p.int1(offset)
	p.op('(')
	for _, s := range size {
		p.int1(s)
	}
	p.op('t', '(')
	for _, s := range stride {
		p.int1(s)
	}
	p.op('t', 0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R')
	return p
}

// writeCkpt writes a zip checkpoint with data.pkl and F32 storages.
func writeCkpt(t *testing.T, pickle []byte, storages map[string][]float32) string {
	path := filepath.Join(t.TempDir(), "pytorch_model.bin")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	w.Write(pickle)
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "archive/byteorder", Method: zip.Store})
	w.Write([]byte("little"))
	for k, v := range storages {
		w, _ = zw.CreateHeader(&zip.FileHeader{Name: "archive/data/" + k, Method: zip.Store})
		w.Write(safetensors.F32Tensor(k, []int{len(v)}, v).Data)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A transposed view (stride (1, 3)) of a 2x3 storage, a _rebuild_parameter,
// and the OrderedDict + BUILD(_metadata) form of model.state_dict() read back
// in row-major order.
func TestStridedViewsAndStateDictForms(t *testing.T) {
	p := &pk{}
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', 'q', 0)
	p.op('(')
	p.str("t").tensor("0", 6, 0, []byte{3, 2}, []byte{1, 3})
	p.str("p").global("torch._utils", "_rebuild_parameter").op('(')
	p.tensor("0", 6, 2, []byte{2}, []byte{1}).op(0x88).global("collections", "OrderedDict").op(')', 'R', 't', 'R')
	p.op('u')
	p.op('}').str("").op('}').str("version").int1(1).op('s', 's', 'b', '.')
	path := writeCkpt(t, p.Bytes(), map[string][]float32{"0": {0, 1, 2, 3, 4, 5}})
	got, err := ReadAll(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{"p": {2, 3}, "t": {0, 3, 1, 4, 2, 5}}
	for _, g := range got {
		x, _ := g.Float32()
		if !equalFloats(x, want[g.Name]) {
			t.Errorf("%s = %v, want %v", g.Name, x, want[g.Name])
		}
	}
	if len(got) != 2 || !equalInts(got[1].Shape, []int{3, 2}) {
		t.Errorf("tensors %v", got)
	}
}

// Bad checkpoints fail with one line naming the file and the problem.
func TestRefusals(t *testing.T) {
	view := func(size, stride []byte) []byte {
		p := &pk{}
		p.op(0x80, 2, '}', '(').str("w").tensor("0", 4, 0, size, stride).op('u', '.')
		return p.Bytes()
	}
	stack := &pk{}
	stack.op(0x80, 4).op(0x8c, 8).op([]byte("builtins")...).op(0x8c, 4).op([]byte("eval")...).op(0x93, '.')
	cases := []struct {
		name, want string
		pickle     []byte
	}{
		{"stack global", "refused pickle global builtins.eval", stack.Bytes()},
		{"past storage", "reads past its storage of 4 elements", view([]byte{5}, []byte{1})},
		{"not a dict", "the pickle holds a int, not a state dict", []byte{0x80, 2, 'K', 1, '.'}},
		{"no stop", "pickle ends without STOP", []byte{0x80, 2, '}'}},
		{"newobj", "opcode not allowed", []byte{0x80, 2, 0x81, '.'}},
		{"non-tensor entry", `entry "a" is a int`, []byte{0x80, 2, '}', 'X', 1, 0, 0, 0, 'a', 'K', 1, 's', '.'}},
	}
	for _, c := range cases {
		path := writeCkpt(t, c.pickle, map[string][]float32{"0": {1, 2, 3, 4}})
		_, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), path+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", c.name, err, c.want)
		}
	}
	notTorch := filepath.Join(t.TempDir(), "plain.pkl")
	os.WriteFile(notTorch, []byte{0x80, 2, 'K', 1, '.'}, 0o644)
	if _, err := Open(notTorch); err == nil || !strings.Contains(err.Error(), "not a torch.save checkpoint") {
		t.Errorf("plain pickle: %v", err)
	}
}

// legacyFile writes the pre-1.6 torch.save layout: magic, protocol, system
// info, the state dict, the storage keys, then each storage as an int64
// count and its bytes.
func legacyFile(t *testing.T, storages map[string][]float32, order []string, obj []byte) string {
	var b bytes.Buffer
	b.Write(legacyMagic)
	b.Write([]byte{0x80, 2, 'M', 0xe9, 3, '.'})
	info := &pk{}
	info.op(0x80, 2, '}').str("little_endian").op(0x88, 's', '.')
	b.Write(info.Bytes())
	b.Write(obj)
	keys := &pk{}
	keys.op(0x80, 2, ']', '(')
	for _, k := range order {
		keys.str(k)
	}
	keys.op('e', '.')
	b.Write(keys.Bytes())
	for _, k := range order {
		var n [8]byte
		n[0] = byte(len(storages[k]))
		b.Write(n[:])
		b.Write(safetensors.F32Tensor(k, []int{len(storages[k])}, storages[k]).Data)
	}
	path := filepath.Join(t.TempDir(), "pytorch_model.bin")
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}

// The legacy (pre-1.6) format reads to the same tensors, views and all;
// its evil globals are refused the same way; a truncated storage is an error.
func TestLegacyFormat(t *testing.T) {
	p := &pk{}
	p.op(0x80, 2, '}', '(')
	p.str("a").tensorPid("0", 6, 0, []byte{3, 2}, []byte{1, 3}, true)
	p.str("b").tensorPid("1", 2, 1, []byte{1}, []byte{1}, true)
	p.op('u', '.')
	st := map[string][]float32{"0": {0, 1, 2, 3, 4, 5}, "1": {7, 8}}
	got, err := ReadAll(legacyFile(t, st, []string{"0", "1"}, p.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := got[0].Float32()
	b, _ := got[1].Float32()
	if !equalFloats(a, []float32{0, 3, 1, 4, 2, 5}) || !equalFloats(b, []float32{8}) {
		t.Errorf("a = %v, b = %v", a, b)
	}
	evil := &pk{}
	evil.op(0x80, 2).global("builtins", "exec").op('.')
	if _, err := Open(legacyFile(t, st, []string{"0", "1"}, evil.Bytes())); err == nil || !strings.Contains(err.Error(), "refused pickle global builtins.exec") {
		t.Errorf("evil legacy pickle: %v", err)
	}
	short := map[string][]float32{"0": {0, 1, 2}, "1": {7, 8}}
	if _, err := Open(legacyFile(t, short, []string{"0", "1"}, p.Bytes())); err == nil || !strings.Contains(err.Error(), "holds 3 elements, the pickle says 6") {
		t.Errorf("short storage: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzStateDict feeds arbitrary pickles to the machine: it must return a
// state dict or an error, never panic, loop or allocate without bound.
func FuzzStateDict(f *testing.F) {
	for _, path := range []string{fixture(f, "good"), fixture(f, "evil")} {
		zr, err := zip.OpenReader(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, "data.pkl") {
				b, err := readAll(zf, maxPickle)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
			}
		}
		zr.Close()
	}
	f.Add([]byte{0x80, 2, '}', '.'})
	f.Fuzz(func(t *testing.T, data []byte) {
		names, tensors, err := stateDict(data)
		if err != nil {
			return
		}
		for _, n := range names {
			tt := tensors[n]
			if numel, last, err := tt.extent(); err != nil || (numel > 0 && last >= tt.st.numel) {
				t.Fatalf("accepted tensor %q reads outside its storage", n)
			}
		}
	})
}
