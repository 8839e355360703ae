package kern

import (
	"os"

	"golang.org/x/sys/cpu"
)

// hasAVX2 reports whether the assembly kernels may run: AVX2 and FMA, which
// x/sys/cpu reports only when the OS saves the YMM state.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAsm selects the assembly kernels; tests switch it off to run the Go
// versions on the same machine, and SSMLAB_NOASM=1 switches it off for a
// whole process (to run every test on the Go versions).
var useAsm = hasAVX2 && asmBuilt && os.Getenv("SSMLAB_NOASM") == ""

// Accelerated reports whether the assembly kernels are in use.
func Accelerated() bool { return useAsm }

// SetAccelerated switches the assembly kernels on (where the CPU has them)
// or off, and returns the previous setting. It is for tests and
// benchmarks; it must not race with running kernels.
func SetAccelerated(on bool) bool {
	old := useAsm
	useAsm = on && hasAVX2 && asmBuilt
	return old
}
