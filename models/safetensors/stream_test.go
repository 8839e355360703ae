package safetensors

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomTensor holds random bytes, so every bit pattern of the dtype
// (NaNs, infinities, subnormals) can occur.
func randomTensor(rng *rand.Rand, name string, dt DType, shape ...int) Tensor {
	n := dt.Size()
	for _, d := range shape {
		n *= d
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	return Tensor{Name: name, DType: dt, Shape: shape, Data: data}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// ReadFloat32 decodes chunk by chunk; whatever the chunk size, the values
// must equal decoding the whole tensor read at once.
func TestReadFloat32MatchesWholeRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ts := []Tensor{
		randomTensor(rng, "f32", F32, 7, 13),
		randomTensor(rng, "f16", F16, 101),
		randomTensor(rng, "bf16", BF16, 3, 5, 11),
		randomTensor(rng, "f64", F64, 37),
		randomTensor(rng, "empty", F32, 0, 4),
		randomTensor(rng, "scalar", BF16),
	}
	p := filepath.Join(t.TempDir(), "r.safetensors")
	if err := WriteFile(p, ts, nil); err != nil {
		t.Fatal(err)
	}
	whole, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func(c int) { chunkBytes = c }(chunkBytes)
	for _, chunk := range []int{8, 16, 24, 40, 1 << 20} {
		chunkBytes = chunk
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range ts {
			want, _, err := whole.Float32(tt.Name)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(want))
			if err := r.ReadFloat32(tt.Name, got); err != nil {
				t.Fatalf("chunk %d: %v", chunk, err)
			}
			if !sameBits(got, want) {
				t.Fatalf("chunk %d: tensor %s differs from the whole read", chunk, tt.Name)
			}
		}
		if len(r.chunk) > chunk {
			t.Fatalf("chunk %d: buffer of %d bytes", chunk, len(r.chunk))
		}
		r.Close()
	}
}

func TestReadFloat32Errors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := filepath.Join(t.TempDir(), "e.safetensors")
	if err := WriteFile(p, []Tensor{randomTensor(rng, "w", F32, 64), I64Tensor("ids", []int{2}, []int64{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct {
		name string
		n    int
		want string
	}{
		{"nope", 1, `no tensor "nope"`},
		{"w", 63, `tensor "w": 256 bytes of F32 do not fill 63 values`},
		{"ids", 2, `tensor "ids": dtype I64 is not a float type`},
	} {
		err := r.ReadFloat32(c.name, make([]float32, c.n))
		if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: got %v, want %q naming the file", c.name, err, c.want)
		}
	}
	// The file shrinks after its header was checked: the read fails and
	// says which file and tensor.
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	err = r.ReadFloat32("w", make([]float32, 64))
	if err == nil || !strings.HasPrefix(err.Error(), p+`: tensor "w": `) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("truncated after Open: %v", err)
	}
}

// OpenAfter reads a safetensors blob behind a preamble of another format.
func TestOpenAfterPreamble(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.safetensors")
	if err := WriteFile(plain, []Tensor{randomTensor(rng, "a", BF16, 9), randomTensor(rng, "b", F32, 3, 3)}, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	blob, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	withPre := filepath.Join(dir, "pre.bin")
	if err := os.WriteFile(withPre, append([]byte("PREAMBLE+4.."), blob...), 0o644); err != nil {
		t.Fatal(err)
	}
	whole, err := ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenAfter(withPre, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Metadata["k"] != "v" {
		t.Fatalf("metadata %v", r.Metadata)
	}
	for _, name := range []string{"a", "b"} {
		want, _, _ := whole.Float32(name)
		got := make([]float32, len(want))
		if err := r.ReadFloat32(name, got); err != nil || !sameBits(got, want) {
			t.Fatalf("%s: %v %v, want %v", name, err, got, want)
		}
	}
	for _, skip := range []int64{13, int64(len(blob)) + 12, int64(len(blob)) + 20} {
		if _, err := OpenAfter(withPre, skip); err == nil || !strings.HasPrefix(err.Error(), withPre+": not a valid safetensors file: ") {
			t.Fatalf("skip %d: %v", skip, err)
		}
	}
}
