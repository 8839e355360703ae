package membudget

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Setenv(Env, "24GB")
	if err := Check(23e9, "x", "hint"); err != nil {
		t.Errorf("23 GB under 24 GB: %v", err)
	}
	err := Check(768e9, "training mamba-x", "lower batch_size or seq_len")
	if err == nil || !strings.HasPrefix(err.Error(), "training mamba-x needs 768 GB; SSMLAB_MEMORY allows 24 GB; lower batch_size or seq_len") {
		t.Errorf("err = %v", err)
	}
	t.Setenv(Env, "unlimited")
	if err := Check(1e30, "x", "hint"); err != nil {
		t.Errorf("unlimited: %v", err)
	}
	t.Setenv(Env, "lots")
	if err := Check(1, "x", "hint"); err == nil || !strings.Contains(err.Error(), "SSMLAB_MEMORY") {
		t.Errorf("bad env: %v", err)
	}
}

func TestParseSizeAndMeminfo(t *testing.T) {
	for in, want := range map[string]float64{"64GB": 64e9, "512MiB": 512 << 20, "1.5e12": 1.5e12, "2 TiB": 2 << 40} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1GB", "NaNGB", "12XB", "inf"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	p := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(p, []byte("MemTotal:       24683772 kB\nMemFree:  1 kB\nMemAvailable:   23666176 kB\n"), 0o644)
	if b, ok := memAvailable(p); !ok || b != 23666176*1024 {
		t.Errorf("memAvailable = %v, %v", b, ok)
	}
	if got := Human(768e9); got != "768 GB" {
		t.Errorf("Human = %q", got)
	}
}

func TestLimitGC(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // restore the process's limit
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv(Env, "10GB")
	if got := LimitGC(); got != 9e9 || debug.SetMemoryLimit(-1) != 9e9 {
		t.Errorf("SSMLAB_MEMORY=10GB: limit %d, runtime %d; want 9e9", got, debug.SetMemoryLimit(-1))
	}
	t.Setenv(Env, "unlimited")
	debug.SetMemoryLimit(math.MaxInt64)
	if got := LimitGC(); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("unlimited: limit %d", got)
	}
	t.Setenv(Env, "10GB")
	t.Setenv("GOMEMLIMIT", "4GiB")
	if got := LimitGC(); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: limit %d (the user's setting wins)", got)
	}
}
