package cpuid

import (
	"runtime"
	"testing"
)

func TestConsistent(t *testing.T) {
	f := X86
	t.Logf("%s/%s: %s", runtime.GOOS, runtime.GOARCH, f)
	if f.AVX512BF16 && !f.AVX512F || f.AVX512FP16 && !f.AVX512F {
		t.Fatalf("AVX-512 sub-feature without AVX512F: %+v", f)
	}
	if runtime.GOARCH != "amd64" && f != (Features{}) {
		t.Fatalf("non-amd64 reports x86 features: %+v", f)
	}
}
