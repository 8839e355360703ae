package cpuid

// cpuid executes CPUID with the given leaf and subleaf.
//
//go:noescape
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 returns the low 32 bits of XCR0 (which register states the OS saves).
func xgetbv0() uint32

func bit(x uint32, i uint) bool { return x>>i&1 == 1 }

func init() { X86 = detect() }

func detect() Features {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return Features{}
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if !bit(ecx1, 27) { // OSXSAVE: XGETBV is usable
		return Features{}
	}
	xcr0 := xgetbv0()
	osYMM := xcr0&0x6 == 0x6         // SSE and AVX state
	osZMM := xcr0&0xE6 == 0xE6       // plus opmask and both ZMM halves
	osAMX := xcr0&0x60000 == 0x60000 // XTILECFG and XTILEDATA
	_, ebx7, _, edx7 := cpuid(7, 0)
	eax71, _, _, _ := cpuid(7, 1)
	var f Features
	f.AVX2 = osYMM && bit(ebx7, 5) && bit(ecx1, 28)
	f.FMA = osYMM && bit(ecx1, 12)
	f.F16C = osYMM && bit(ecx1, 29)
	f.AVX512F = osZMM && bit(ebx7, 16)
	f.AVX512BF16 = f.AVX512F && bit(eax71, 5)
	f.AVX512FP16 = f.AVX512F && bit(edx7, 23)
	f.AMXBF16 = osAMX && bit(edx7, 22) && bit(edx7, 24)
	return f
}
