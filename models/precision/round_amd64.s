#include "textflag.h"

// Vector versions of RoundBF16 and RoundFP16 (AVX2), bit-identical to the
// scalar functions for every float32 (TestRoundSliceAllPatterns).

DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

DATA signmask<>+0(SB)/4, $0x80000000
DATA signmask<>+4(SB)/4, $0x80000000
DATA signmask<>+8(SB)/4, $0x80000000
DATA signmask<>+12(SB)/4, $0x80000000
DATA signmask<>+16(SB)/4, $0x80000000
DATA signmask<>+20(SB)/4, $0x80000000
DATA signmask<>+24(SB)/4, $0x80000000
DATA signmask<>+28(SB)/4, $0x80000000
GLOBL signmask<>(SB), RODATA|NOPTR, $32

DATA infbits<>+0(SB)/4, $0x7f800000
DATA infbits<>+4(SB)/4, $0x7f800000
DATA infbits<>+8(SB)/4, $0x7f800000
DATA infbits<>+12(SB)/4, $0x7f800000
DATA infbits<>+16(SB)/4, $0x7f800000
DATA infbits<>+20(SB)/4, $0x7f800000
DATA infbits<>+24(SB)/4, $0x7f800000
DATA infbits<>+28(SB)/4, $0x7f800000
GLOBL infbits<>(SB), RODATA|NOPTR, $32

DATA quiet<>+0(SB)/4, $0x00400000
DATA quiet<>+4(SB)/4, $0x00400000
DATA quiet<>+8(SB)/4, $0x00400000
DATA quiet<>+12(SB)/4, $0x00400000
DATA quiet<>+16(SB)/4, $0x00400000
DATA quiet<>+20(SB)/4, $0x00400000
DATA quiet<>+24(SB)/4, $0x00400000
DATA quiet<>+28(SB)/4, $0x00400000
GLOBL quiet<>(SB), RODATA|NOPTR, $32

DATA hi16<>+0(SB)/4, $0xffff0000
DATA hi16<>+4(SB)/4, $0xffff0000
DATA hi16<>+8(SB)/4, $0xffff0000
DATA hi16<>+12(SB)/4, $0xffff0000
DATA hi16<>+16(SB)/4, $0xffff0000
DATA hi16<>+20(SB)/4, $0xffff0000
DATA hi16<>+24(SB)/4, $0xffff0000
DATA hi16<>+28(SB)/4, $0xffff0000
GLOBL hi16<>(SB), RODATA|NOPTR, $32

DATA r7fff<>+0(SB)/4, $0x00007fff
DATA r7fff<>+4(SB)/4, $0x00007fff
DATA r7fff<>+8(SB)/4, $0x00007fff
DATA r7fff<>+12(SB)/4, $0x00007fff
DATA r7fff<>+16(SB)/4, $0x00007fff
DATA r7fff<>+20(SB)/4, $0x00007fff
DATA r7fff<>+24(SB)/4, $0x00007fff
DATA r7fff<>+28(SB)/4, $0x00007fff
GLOBL r7fff<>(SB), RODATA|NOPTR, $32

DATA one<>+0(SB)/4, $0x00000001
DATA one<>+4(SB)/4, $0x00000001
DATA one<>+8(SB)/4, $0x00000001
DATA one<>+12(SB)/4, $0x00000001
DATA one<>+16(SB)/4, $0x00000001
DATA one<>+20(SB)/4, $0x00000001
DATA one<>+24(SB)/4, $0x00000001
DATA one<>+28(SB)/4, $0x00000001
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA fp16ovf<>+0(SB)/4, $0x477ff000
DATA fp16ovf<>+4(SB)/4, $0x477ff000
DATA fp16ovf<>+8(SB)/4, $0x477ff000
DATA fp16ovf<>+12(SB)/4, $0x477ff000
DATA fp16ovf<>+16(SB)/4, $0x477ff000
DATA fp16ovf<>+20(SB)/4, $0x477ff000
DATA fp16ovf<>+24(SB)/4, $0x477ff000
DATA fp16ovf<>+28(SB)/4, $0x477ff000
GLOBL fp16ovf<>(SB), RODATA|NOPTR, $32

DATA fp16minN<>+0(SB)/4, $0x38800000
DATA fp16minN<>+4(SB)/4, $0x38800000
DATA fp16minN<>+8(SB)/4, $0x38800000
DATA fp16minN<>+12(SB)/4, $0x38800000
DATA fp16minN<>+16(SB)/4, $0x38800000
DATA fp16minN<>+20(SB)/4, $0x38800000
DATA fp16minN<>+24(SB)/4, $0x38800000
DATA fp16minN<>+28(SB)/4, $0x38800000
GLOBL fp16minN<>(SB), RODATA|NOPTR, $32

DATA r0fff<>+0(SB)/4, $0x00000fff
DATA r0fff<>+4(SB)/4, $0x00000fff
DATA r0fff<>+8(SB)/4, $0x00000fff
DATA r0fff<>+12(SB)/4, $0x00000fff
DATA r0fff<>+16(SB)/4, $0x00000fff
DATA r0fff<>+20(SB)/4, $0x00000fff
DATA r0fff<>+24(SB)/4, $0x00000fff
DATA r0fff<>+28(SB)/4, $0x00000fff
GLOBL r0fff<>(SB), RODATA|NOPTR, $32

DATA low13<>+0(SB)/4, $0xffffe000
DATA low13<>+4(SB)/4, $0xffffe000
DATA low13<>+8(SB)/4, $0xffffe000
DATA low13<>+12(SB)/4, $0xffffe000
DATA low13<>+16(SB)/4, $0xffffe000
DATA low13<>+20(SB)/4, $0xffffe000
DATA low13<>+24(SB)/4, $0xffffe000
DATA low13<>+28(SB)/4, $0xffffe000
GLOBL low13<>(SB), RODATA|NOPTR, $32

DATA two24<>+0(SB)/4, $0x4b800000
DATA two24<>+4(SB)/4, $0x4b800000
DATA two24<>+8(SB)/4, $0x4b800000
DATA two24<>+12(SB)/4, $0x4b800000
DATA two24<>+16(SB)/4, $0x4b800000
DATA two24<>+20(SB)/4, $0x4b800000
DATA two24<>+24(SB)/4, $0x4b800000
DATA two24<>+28(SB)/4, $0x4b800000
GLOBL two24<>(SB), RODATA|NOPTR, $32

DATA twom24<>+0(SB)/4, $0x33800000
DATA twom24<>+4(SB)/4, $0x33800000
DATA twom24<>+8(SB)/4, $0x33800000
DATA twom24<>+12(SB)/4, $0x33800000
DATA twom24<>+16(SB)/4, $0x33800000
DATA twom24<>+20(SB)/4, $0x33800000
DATA twom24<>+24(SB)/4, $0x33800000
DATA twom24<>+28(SB)/4, $0x33800000
GLOBL twom24<>(SB), RODATA|NOPTR, $32

// func roundBF16AVX(dst, src *float32, n int)
// dst = round(src) for n a multiple of 8 (dst may be src). Per lane, with b the bits: NaN → (b & 0xFFFF0000) |
// 0x00400000 (quiet, sign and top payload kept); else (b + 0x7FFF +
// ((b >> 16) & 1)) & 0xFFFF0000.
TEXT ·roundBF16AVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ bfDone
	VMOVDQU hi16<>(SB), Y7

bfLoop:
	VMOVDQU (SI), Y0
	VPSRLD $16, Y0, Y1
	VPAND one<>(SB), Y1, Y1
	VPADDD r7fff<>(SB), Y1, Y1
	VPADDD Y0, Y1, Y1
	VPAND Y7, Y1, Y1 // rounded
	VPAND absmask<>(SB), Y0, Y2
	VPCMPGTD infbits<>(SB), Y2, Y2 // NaN lanes
	VPAND Y7, Y0, Y3
	VPOR quiet<>(SB), Y3, Y3 // quiet NaN
	VPBLENDVB Y2, Y3, Y1, Y1
	VMOVDQU Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ bfLoop

bfDone:
	VZEROUPPER
	RET

// func roundFP16AVX(dst, src *float32, n int)
// dst = round(src) for n a multiple of 8 (dst may be src). Per lane, with a = |b|: NaN → b | 0x00400000;
// a ≥ 65520 → ±Inf; a < 2^-14 → round(x·2^24)·2^-24 (ties to even, exact
// in float32); else sign | ((a + 0xFFF + ((a >> 13) & 1)) & ^0x1FFF).
TEXT ·roundFP16AVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ fpDone

fpLoop:
	VMOVDQU (SI), Y0
	VPAND absmask<>(SB), Y0, Y1 // a
	VPAND signmask<>(SB), Y0, Y2 // sign
	// normal: sign | ((a + 0xFFF + ((a >> 13) & 1)) & ~0x1FFF)
	VPSRLD $13, Y1, Y3
	VPAND one<>(SB), Y3, Y3
	VPADDD r0fff<>(SB), Y3, Y3
	VPADDD Y1, Y3, Y3
	VPAND low13<>(SB), Y3, Y3
	VPOR Y2, Y3, Y3
	// subnormal range: round(x·2^24)·2^-24
	VMULPS two24<>(SB), Y0, Y4
	VROUNDPS $8, Y4, Y4
	VMULPS twom24<>(SB), Y4, Y4
	VMOVDQU fp16minN<>(SB), Y5
	VPCMPGTD Y1, Y5, Y5 // a < bits(2^-14)
	VPBLENDVB Y5, Y4, Y3, Y3
	// overflow: a ≥ bits(65520) → sign | Inf
	VMOVDQU fp16ovf<>(SB), Y5
	VPCMPGTD Y1, Y5, Y5 // a < bits(65520)
	VPOR infbits<>(SB), Y2, Y6
	VPBLENDVB Y5, Y3, Y6, Y3
	// NaN: a > 0x7F800000 → b | quiet
	VPCMPGTD infbits<>(SB), Y1, Y5
	VPOR quiet<>(SB), Y0, Y6
	VPBLENDVB Y5, Y6, Y3, Y3
	VMOVDQU Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ fpLoop

fpDone:
	VZEROUPPER
	RET
