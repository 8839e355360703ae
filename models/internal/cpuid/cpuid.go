// Package cpuid reports the x86 vector extensions the CPU and the operating
// system both support, read once at start-up with the CPUID and XGETBV
// instructions. It is ssmlab's one CPU-feature detector: the vector
// kernels (models/internal/kern), the 16-bit rounding loops
// (models/precision), the GEMM micro-kernels and the oneDNN backend
// (models/tensor) all switch on it at run time; nothing assumes a feature
// at build time. On other architectures every flag is false.
//
// It imports nothing from ssmlab.
package cpuid

// Features lists the extensions ssmlab's kernels care about. A flag is true
// only when the instructions exist and the OS saves the register state they
// need (XCR0), so code may use them.
type Features struct {
	AVX2, FMA  bool // 256-bit integer/float SIMD and fused multiply-add
	F16C       bool // float32 <-> binary16 conversion (VCVTPS2PH)
	AVX512F    bool // 512-bit foundation
	AVX512BF16 bool // VDPBF16PS and friends (Cooper Lake, Sapphire Rapids, Zen 4)
	AVX512FP16 bool // native binary16 arithmetic (Sapphire Rapids)
	AMXBF16    bool // AMX tiles with bf16 (the OS must also grant the tile state)
}

// X86 holds the features of this machine, detected in init.
var X86 Features

// String lists the true flags, e.g. "avx2 fma".
func (f Features) String() string {
	s := ""
	add := func(ok bool, name string) {
		if ok {
			if s != "" {
				s += " "
			}
			s += name
		}
	}
	add(f.AVX2, "avx2")
	add(f.FMA, "fma")
	add(f.F16C, "f16c")
	add(f.AVX512F, "avx512f")
	add(f.AVX512BF16, "avx512_bf16")
	add(f.AVX512FP16, "avx512_fp16")
	add(f.AMXBF16, "amx_bf16")
	if s == "" {
		return "none"
	}
	return s
}
