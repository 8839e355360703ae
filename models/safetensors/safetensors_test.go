package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.safetensors")
	f32 := []float32{1, -2.5, 3.25e-5, 65504, float32(math.Inf(-1)), 0}
	ts := []Tensor{
		F32Tensor("b.f32", []int{2, 3}, f32),
		FromFloat32("a.f16", F16, []int{6}, f32),
		FromFloat32("c.bf16", BF16, []int{3, 2}, f32),
		I64Tensor("ids", []int{1, 3}, []int64{0, -1, 1 << 40}),
		F32Tensor("scalar", []int{}, []float32{7}),
	}
	if err := WriteFile(p, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); strings.Join(got, ",") != "a.f16,b.f32,c.bf16,ids,scalar" {
		t.Fatalf("names %v", got)
	}
	if f.Metadata["format"] != "pt" {
		t.Fatalf("metadata %v", f.Metadata)
	}
	x, shape, err := f.Float32("b.f32")
	if err != nil || len(shape) != 2 || shape[1] != 3 {
		t.Fatal(err, shape)
	}
	for i := range f32 {
		if x[i] != f32[i] {
			t.Fatalf("f32 %d: %v vs %v", i, x[i], f32[i])
		}
	}
	h, _, _ := f.Float32("a.f16")
	if h[0] != 1 || h[2] != 3.248453e-05 || h[3] != 65504 || !math.IsInf(float64(h[4]), -1) {
		t.Fatalf("f16 %v", h)
	}
	bf, _, _ := f.Float32("c.bf16")
	if bf[1] != -2.5 || bf[3] != 65536 {
		t.Fatalf("bf16 %v", bf)
	}
	ids, _, err := f.Int64("ids")
	if err != nil || ids[1] != -1 || ids[2] != 1<<40 {
		t.Fatalf("ids %v %v", ids, err)
	}
	if _, _, err := f.Int64("b.f32"); err == nil {
		t.Fatal("Int64 of a float tensor accepted")
	}
	if _, _, err := f.Float32("missing"); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("missing tensor: %v", err)
	}
	if err := WriteFile(p, []Tensor{ts[0], ts[0]}, nil); err == nil {
		t.Fatal("duplicate names written")
	}
}

// Every fixture file written by the Python safetensors library parses.
func TestReadsPythonFiles(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/fixtures/*/*/*.safetensors")
	if len(files) < 10 {
		t.Fatalf("found only %d fixture files", len(files))
	}
	for _, p := range files {
		f, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Names()) == 0 {
			t.Fatalf("%s: no tensors", p)
		}
	}
}

func build(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestCorruptFilesGiveOneClearError(t *testing.T) {
	good := build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8))
	if _, err := Parse("ok.safetensors", good); err != nil {
		t.Fatal(err)
	}
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	cases := map[string]struct {
		buf  []byte
		want string
	}{
		"empty":           {nil, "shorter than"},
		"truncated":       {good[:len(good)-3], "outside the"},
		"absurd header":   {huge, "exceeds the 100 MB limit"},
		"header past end": {good[:20], "runs past the end"},
		"bad json":        {build(`{"w":{"dtype":"F32",`, nil), "header"},
		"not object":      {build(`[1,2]`, nil), "not a JSON object"},
		"unknown dtype":   {build(`{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `tensor "w": unknown dtype`},
		"shape mismatch":  {build(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), `tensor "w": shape [3] x F32 needs 12 bytes`},
		"out of range":    {build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4)), `tensor "w": data_offsets [0, 8] outside`},
		"reversed":        {build(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, make([]byte, 8)), `tensor "w"`},
		"overlap": {build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
			`overlap`},
		"gap":       {build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "gap of 4 bytes"},
		"trailing":  {build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)), "trailing data bytes"},
		"duplicate": {build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "duplicate"},
		"negative":  {build(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "negative dimension"},
		"unknown field": {build(`{"a":{"dtype":"F32","shape":[1],"offsets":[0,4]}}`, make([]byte, 4)),
			`tensor "a"`},
		"overflow shape": {build(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}}`, make([]byte, 4)), "overflows"},
	}
	for name, tc := range cases {
		_, err := Parse("m.safetensors", tc.buf)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "m.safetensors: ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q lacks the file name or %q", name, msg, tc.want)
		}
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "nope.safetensors")); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(build(`{"__metadata__":{"a":"b"},"w":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, '{'})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("fuzz.safetensors", b)
		if err != nil {
			return
		}
		for _, n := range file.Names() {
			tt, _ := file.Get(n)
			tt.Float32()
			tt.Int64()
		}
	})
}

// Tensors given as float32 values are written exactly as their encoded
// form would be.
func TestF32ValuesWriteLikeF32Tensor(t *testing.T) {
	x := make([]float32, 40000) // more than one encoding chunk
	for i := range x {
		x[i] = float32(i) * 0.37
	}
	dir := t.TempDir()
	a, b := dir+"/a.safetensors", dir+"/b.safetensors"
	if err := WriteFile(a, []Tensor{F32Tensor("w", []int{200, 200}, x), I64Tensor("i", []int{2}, []int64{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(b, []Tensor{F32Values("w", []int{200, 200}, x), I64Tensor("i", []int{2}, []int64{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	ra, _ := os.ReadFile(a)
	rb, _ := os.ReadFile(b)
	if !bytes.Equal(ra, rb) {
		t.Fatal("F32Values and F32Tensor files differ")
	}
	bad := Tensor{Name: "w", DType: F16, Shape: []int{1}, F32: []float32{1}}
	if err := WriteFile(dir+"/c.safetensors", []Tensor{bad}, nil); err == nil {
		t.Error("F32 values with dtype F16 were written")
	}
}
