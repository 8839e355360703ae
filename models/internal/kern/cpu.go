package kern

import (
	"os"

	"github.com/ssmlab/ssmlab/models/internal/cpuid"
)

// hasAVX2 reports whether the assembly kernels may run: AVX2 and FMA, which
// cpuid reports only when the OS saves the YMM state.
var hasAVX2 = cpuid.X86.AVX2 && cpuid.X86.FMA

// hasAVX512 reports whether the 16-lane scan may run: AVX-512F with the OS
// saving the ZMM state (cpuid checks both).
var hasAVX512 = hasAVX2 && cpuid.X86.AVX512F

// useAsm selects the assembly kernels; tests switch it off to run the Go
// versions on the same machine, and SSMLAB_NOASM=1 switches it off for a
// whole process (to run every test on the Go versions).
var useAsm = hasAVX2 && asmBuilt && os.Getenv("SSMLAB_NOASM") == ""

// Accelerated reports whether the assembly kernels are in use.
func Accelerated() bool { return useAsm }

// Describe names the kernels in use, for provenance: the Go versions, the
// AVX2+FMA assembly, or that with the 16-lane AVX-512 selective scan.
func Describe() string {
	switch {
	case !useAsm:
		return "go (no assembly)"
	case hasAVX512:
		return "avx2+fma, avx-512 scan (16 lanes)"
	}
	return "avx2+fma"
}

// GroupLanes is the number of channels a scan call should cover: 16 (two
// groups of Lanes, their (N, Lanes) blocks adjacent) where the 16-lane
// assembly runs, else Lanes. ScanFwd accepts up to 16 either way.
func GroupLanes() int {
	if useAsm && hasAVX512 {
		return 2 * Lanes
	}
	return Lanes
}

// SetAccelerated switches the assembly kernels on (where the CPU has them)
// or off, and returns the previous setting. It is for tests and
// benchmarks; it must not race with running kernels.
func SetAccelerated(on bool) bool {
	old := useAsm
	useAsm = on && hasAVX2 && asmBuilt
	return old
}
