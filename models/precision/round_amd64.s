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

// RBF16 rounds the 8 lanes of X to bf16 (bits b): NaN → (b & 0xFFFF0000)
// | 0x00400000 (quiet, sign and top payload kept); else (b + 0x7FFF +
// ((b >> 16) & 1)) & 0xFFFF0000. T1-T3 scratch; the constants
// in registers (BF16CONSTS: Y7 hi16, Y9 one, Y10 0x7FFF, Y11 absmask, Y12
// infbits, Y13 quiet), loaded once a call rather than from memory in
// every iteration (1.3-1.6x the rate on the AMD dev machine).
#define RBF16(X, T1, T2, T3) \
	VPSRLD $16, X, T1; \
	VPAND Y9, T1, T1; \
	VPADDD Y10, T1, T1; \
	VPADDD X, T1, T1; \
	VPAND Y7, T1, T1; \
	VPAND Y11, X, T2; \
	VPCMPGTD Y12, T2, T2; \
	VPAND Y7, X, T3; \
	VPOR Y13, T3, T3; \
	VPBLENDVB T2, T3, T1, X

#define BF16CONSTS \
	VMOVDQU hi16<>(SB), Y7; \
	VMOVDQU one<>(SB), Y9; \
	VMOVDQU r7fff<>(SB), Y10; \
	VMOVDQU absmask<>(SB), Y11; \
	VMOVDQU infbits<>(SB), Y12; \
	VMOVDQU quiet<>(SB), Y13

// RFP16 rounds the 8 lanes of X to fp16 (values kept in float32), with
// a = |b|: NaN → b | 0x00400000; a ≥ 65520 → ±Inf; a < 2^-14 →
// round(x·2^24)·2^-24 (ties to even, exact in float32); else sign | ((a +
// 0xFFF + ((a >> 13) & 1)) & ^0x1FFF). T1-T6 scratch; most constants in
// registers (FP16CONSTS: Y7 absmask, Y9 one, Y10 0xFFF, Y11 low13, Y12
// infbits, Y13 quiet, Y14 fp16minN, Y15 fp16ovf).
#define RFP16(X, T1, T2, T3, T4, T5, T6) \
	VPAND Y7, X, T1; \
	VPAND signmask<>(SB), X, T2; \
	VPSRLD $13, T1, T3; \
	VPAND Y9, T3, T3; \
	VPADDD Y10, T3, T3; \
	VPADDD T1, T3, T3; \
	VPAND Y11, T3, T3; \
	VPOR T2, T3, T3; \
	VMULPS two24<>(SB), X, T4; \
	VROUNDPS $8, T4, T4; \
	VMULPS twom24<>(SB), T4, T4; \
	VPCMPGTD T1, Y14, T5; \
	VPBLENDVB T5, T4, T3, T3; \
	VPCMPGTD T1, Y15, T5; \
	VPOR Y12, T2, T6; \
	VPBLENDVB T5, T3, T6, T3; \
	VPCMPGTD Y12, T1, T5; \
	VPOR Y13, X, T6; \
	VPBLENDVB T5, T6, T3, X

#define FP16CONSTS \
	VMOVDQU absmask<>(SB), Y7; \
	VMOVDQU one<>(SB), Y9; \
	VMOVDQU r0fff<>(SB), Y10; \
	VMOVDQU low13<>(SB), Y11; \
	VMOVDQU infbits<>(SB), Y12; \
	VMOVDQU quiet<>(SB), Y13; \
	VMOVDQU fp16minN<>(SB), Y14; \
	VMOVDQU fp16ovf<>(SB), Y15

// The vector passes of the 16-bit policies (vectorPass; the kinds are the
// pass constants of dtype.go), n a multiple of 8, R the rounding: kind 0
// dst = R(s·src); kind 1 dst += R(src); kind 2 dst = R(dst + R(s·R(src)));
// kind 3 dst = R(src) (dst may be src). Each lane does the separate
// passes' operations with their operand order (s·x as kern.Scale, dst + x
// as kern.Add: the first operand's NaN wins when both are NaN).

// func passBF16AVX(kind int, dst, src *float32, n int, s float32)
TEXT ·passBF16AVX(SB), NOSPLIT, $0-36
	MOVQ kind+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS s+32(FP), Y8
	BF16CONSTS
	SHRQ $3, CX
	JZ fbDone
	CMPQ AX, $1
	JEQ fbAdd
	CMPQ AX, $2
	JEQ fbAxpy
	CMPQ AX, $3
	JEQ fbRound

fbScale:
	VMULPS (SI), Y8, Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ fbScale
	JMP fbDone

fbAdd:
	VMOVDQU (SI), Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMOVUPS (DI), Y1
	VADDPS Y0, Y1, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ fbAdd
	JMP fbDone

fbAxpy:
	VMOVDQU (SI), Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMULPS Y0, Y8, Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMOVUPS (DI), Y1
	VADDPS Y0, Y1, Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ fbAxpy
	JMP fbDone

fbRound: // two vectors an iteration, then one
	CMPQ CX, $2
	JLT fbRound1
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y4
	RBF16(Y0, Y1, Y2, Y3)
	RBF16(Y4, Y5, Y6, Y14)
	VMOVDQU Y0, (DI)
	VMOVDQU Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $2, CX
	JNZ fbRound
	JMP fbDone

fbRound1:
	VMOVDQU (SI), Y0
	RBF16(Y0, Y1, Y2, Y3)
	VMOVDQU Y0, (DI)

fbDone:
	VZEROUPPER
	RET

// func passFP16AVX(kind int, dst, src *float32, n int, s float32)
TEXT ·passFP16AVX(SB), NOSPLIT, $0-36
	MOVQ kind+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS s+32(FP), Y8
	FP16CONSTS
	SHRQ $3, CX
	JZ ffDone
	CMPQ AX, $1
	JEQ ffAdd
	CMPQ AX, $2
	JEQ ffAxpy
	CMPQ AX, $3
	JEQ ffRound

ffScale:
	VMULPS (SI), Y8, Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ ffScale
	JMP ffDone

ffAdd:
	VMOVDQU (SI), Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMOVUPS (DI), Y1
	VADDPS Y0, Y1, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ ffAdd
	JMP ffDone

ffAxpy:
	VMOVDQU (SI), Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMULPS Y0, Y8, Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMOVUPS (DI), Y1
	VADDPS Y0, Y1, Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ ffAxpy
	JMP ffDone

ffRound:
	VMOVDQU (SI), Y0
	RFP16(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ ffRound

ffDone:
	VZEROUPPER
	RET

// RBF16Z is RBF16 on the 16 lanes of X (AVX-512F): the same integer
// operations, the NaN lanes chosen by a mask (K1) rather than a byte
// blend. Constants: Z7 hi16, Z9 one, Z10 0x7FFF, Z11 absmask, Z12 infbits,
// Z13 quiet; T1, T2 scratch.
#define RBF16Z(X, T1, T2) \
	VPSRLD $16, X, T1; \
	VPANDD Z9, T1, T1; \
	VPADDD Z10, T1, T1; \
	VPADDD X, T1, T1; \
	VPANDD Z7, T1, T1; \
	VPANDD Z11, X, T2; \
	VPCMPGTD Z12, T2, K1; \
	VPANDD Z7, X, X; \
	VPORD Z13, X, X; \
	VPBLENDMD X, T1, K1, X

// func passBF16AVX512(kind int, dst, src *float32, n int, s float32)
//
// passBF16AVX on 16 lanes at a time (AVX-512F), n a multiple of 16: every
// kind with the AVX2 loop's operations in its operand order, so the same
// bits (TestFusedPasses, TestRoundSliceAllPatterns).
TEXT ·passBF16AVX512(SB), NOSPLIT, $0-36
	MOVQ kind+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS s+32(FP), Z8
	VPBROADCASTD hi16<>(SB), Z7
	VPBROADCASTD one<>(SB), Z9
	VPBROADCASTD r7fff<>(SB), Z10
	VPBROADCASTD absmask<>(SB), Z11
	VPBROADCASTD infbits<>(SB), Z12
	VPBROADCASTD quiet<>(SB), Z13
	SHRQ $4, CX
	JZ zbDone
	CMPQ AX, $1
	JEQ zbAdd
	CMPQ AX, $2
	JEQ zbAxpy
	CMPQ AX, $3
	JEQ zbRound

zbScale:
	VMULPS (SI), Z8, Z0
	RBF16Z(Z0, Z1, Z2)
	VMOVDQU32 Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ zbScale
	JMP zbDone

zbAdd:
	VMOVDQU32 (SI), Z0
	RBF16Z(Z0, Z1, Z2)
	VMOVUPS (DI), Z1
	VADDPS Z0, Z1, Z0
	VMOVDQU32 Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ zbAdd
	JMP zbDone

zbAxpy:
	VMOVDQU32 (SI), Z0
	RBF16Z(Z0, Z1, Z2)
	VMULPS Z0, Z8, Z0
	RBF16Z(Z0, Z1, Z2)
	VMOVUPS (DI), Z1
	VADDPS Z0, Z1, Z0
	RBF16Z(Z0, Z1, Z2)
	VMOVDQU32 Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ zbAxpy
	JMP zbDone

zbRound:
	VMOVDQU32 (SI), Z0
	RBF16Z(Z0, Z1, Z2)
	VMOVDQU32 Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ zbRound

zbDone:
	VZEROUPPER
	RET
