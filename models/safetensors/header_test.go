package safetensors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadHeader returns names and shapes without the data, and refuses a
// header whose offsets run past the file (a truncated file).
func TestReadHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(p, []Tensor{F32Tensor("w", []int{2, 3}, make([]float32, 6))}, nil); err != nil {
		t.Fatal(err)
	}
	ts, err := ReadHeader(p)
	if err != nil || len(ts) != 1 || ts[0].Name != "w" || len(ts[0].Shape) != 2 || ts[0].Shape[1] != 3 || ts[0].Data != nil {
		t.Fatalf("%+v %v", ts, err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-4], 0o644)
	if _, err := ReadHeader(p); err == nil || !strings.Contains(err.Error(), "outside the") {
		t.Errorf("truncated: err = %v", err)
	}
	os.WriteFile(p, b[:5], 0o644)
	if _, err := ReadHeader(p); err == nil || !strings.Contains(err.Error(), "shorter than the 8-byte header") {
		t.Errorf("5 bytes: err = %v", err)
	}
}
