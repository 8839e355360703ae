#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"
#include "scan_amd64.h"

// EXP2SZ is EXP2S (math_amd64.h) on 16 lanes: the same operations in the
// same order, with Z12 = 1.5·2^23 + 127 and Z13 = −126 broadcast by the
// caller and the polynomial's coefficients broadcast from memory.
#define EXP2SZ(X, T1, T2) \
	VMAXPS X, Z13, X; \
	VADDPS Z12, X, T1; \
	VSUBPS Z12, T1, T2; \
	VSUBPS T2, X, X; \
	VBROADCASTSS e2c6<>(SB), T2; \
	VFMADD213PS.BCST e2c5<>(SB), X, T2; \
	VFMADD213PS.BCST e2c4<>(SB), X, T2; \
	VFMADD213PS.BCST e2c3<>(SB), X, T2; \
	VFMADD213PS.BCST e2c2<>(SB), X, T2; \
	VFMADD213PS.BCST e2c1<>(SB), X, T2; \
	VFMADD213PS.BCST e2c0<>(SB), X, T2; \
	VPSLLD $23, T1, T1; \
	VMULPS T1, T2, X

// EXP2R is EXP2SZ with the polynomial's coefficients held in registers
// (c6 Z7, c5 Z8, c4 Z9, c3 Z10, c2 Z11, c1 Z14, c0 Z15): the same values
// and operations, so the same results.
#define EXP2R(X, T1, T2) \
	VMAXPS X, Z13, X; \
	VADDPS Z12, X, T1; \
	VSUBPS Z12, T1, T2; \
	VSUBPS T2, X, X; \
	VMOVAPS Z7, T2; \
	VFMADD213PS Z8, X, T2; \
	VFMADD213PS Z9, X, T2; \
	VFMADD213PS Z10, X, T2; \
	VFMADD213PS Z11, X, T2; \
	VFMADD213PS Z14, X, T2; \
	VFMADD213PS Z15, X, T2; \
	VPSLLD $23, T1, T1; \
	VMULPS T1, T2, X

// EXP2COEFFS broadcasts the polynomial's coefficients into the registers
// EXP2R reads (c6 Z7, c5 Z8, c4 Z9, c3 Z10, c2 Z11, c1 Z14, c0 Z15).
#define EXP2COEFFS \
	VBROADCASTSS e2c6<>(SB), Z7; \
	VBROADCASTSS e2c5<>(SB), Z8; \
	VBROADCASTSS e2c4<>(SB), Z9; \
	VBROADCASTSS e2c3<>(SB), Z10; \
	VBROADCASTSS e2c2<>(SB), Z11; \
	VBROADCASTSS e2c1<>(SB), Z14; \
	VBROADCASTSS e2c0<>(SB), Z15

// FSTEP16 advances state row n (register H) of both groups by one step,
// f16State's operations in its order: H = exp(Δ·A·log2 e)·H + Δ·u·B_n,
// y += C_n·H. The row's A·log2(e), 16 lanes, is at frame offset 192+64n.
#define FSTEP16(n, H) \
	VMULPS (192+64*n)(SP), Z4, Z0; \
	EXP2R(Z0, Z1, Z2); \
	VMULPS H, Z0, H; \
	VBROADCASTSS (4*n)(BX), Z1; \
	VFMADD231PS Z1, Z5, H; \
	VBROADCASTSS (4*n)(CX), Z1; \
	VFMADD231PS Z1, H, Z6

// LOADROW16(n, H) gathers state row n of both groups (DI: the first
// group's h, R14 = N·32) into H and its A·log2(e) (SI) into the frame.
#define LOADROW16(n, H) \
	VMOVUPS (32*n)(DI), Y0; \
	VINSERTF64X4 $1, (32*n)(DI)(R14*1), Z0, H; \
	VMOVUPS (32*n)(SI), Y0; \
	VINSERTF64X4 $1, (32*n)(SI)(R14*1), Z0, Z0; \
	VMOVUPS Z0, (192+64*n)(SP)

// STOREROW16(n, H) scatters state row n back to both groups' blocks.
#define STOREROW16(n, H) \
	VEXTRACTF64X4 $0, H, (32*n)(DI); \
	VEXTRACTF64X4 $1, H, (32*n)(DI)(R14*1)

// func scanFwd16(a *Fwd)
//
// scanFwd8 for two adjacent groups at once (W = 16, AVX-512): the second
// group's (N, 8) blocks of H and AL2 follow the first's (N·8 floats on);
// the per-(t, e) rows, bias and D hold the 16 channels. The first and last
// passes run scanFwd8's 8-lane code on each half; the recurrence carries
// both groups' state row n in one 512-bit register, gathered from and
// scattered to the two blocks with VINSERTF64X4/VEXTRACTF64X4. Every lane
// does scanFwd8's operations in scanFwd8's order, so the results equal two
// scanFwd8 calls bit for bit (TestScanFwd16MatchesPairs).
//
// Registers: AX n·4, BX/CX the B/C row of step t, DX t·E·4, SI/DI row n of
// the first group's AL2/h (the second's at +R14 = N·32), R8 dt, R9 u, R10
// z, R11 Δ, R12 y_pre, R13 y. Z4 Δ, Z5 Δ·u, Z6 the sum C·h.
// Frame: 0 steps left, 8 N·4, 16 E·4, 24 ZS·4, 32 bias (16 lanes), 96 D,
// 160 the chunk's length, 168 N·32, 176 AL2, 184 H, and at N = 16, 192 the
// 16 rows of A·log2(e) for both groups (the state then lives in Z16-Z31
// for the whole chunk: f16Reg).
TEXT ·scanFwd16(SB), 0, $1216-8
	MOVQ a+0(FP), AX
	MOVQ F_H(AX), DX
	MOVQ DX, 184(SP)
	MOVQ F_AL2(AX), DX
	MOVQ DX, 176(SP)
	MOVQ F_BM(AX), BX
	MOVQ F_CM(AX), CX
	MOVQ F_DT(AX), R8
	MOVQ F_U(AX), R9
	MOVQ F_Z(AX), R10
	MOVQ F_DELTA(AX), R11
	MOVQ F_YPRE(AX), R12
	MOVQ F_Y(AX), R13
	MOVQ F_BIAS(AX), DX
	VMOVUPS (DX), Z0
	VMOVUPS Z0, 32(SP)
	MOVQ F_D(AX), DX
	VMOVUPS (DX), Z0
	VMOVUPS Z0, 96(SP)
	MOVQ F_LEN(AX), DX
	MOVQ DX, 0(SP)
	MOVQ DX, 160(SP)
	MOVQ F_N(AX), DX
	SHLQ $2, DX
	MOVQ DX, 8(SP)
	SHLQ $3, DX
	MOVQ DX, 168(SP)
	MOVQ F_E(AX), DX
	SHLQ $2, DX
	MOVQ DX, 16(SP)
	MOVQ F_ZS(AX), DX
	SHLQ $2, DX
	MOVQ DX, 24(SP)
	XORQ DX, DX
	// The Δ pass also prefetches the rows the other two passes read and
	// write (u, y_pre, y and z of step t) and dt four steps ahead: the
	// per-(t, e) rows are 64 bytes at a stride of E (2E for z) floats, so
	// in a training step every one is a cache miss the core would otherwise
	// wait for. SI = 4·E·4, DI z row t.
	MOVQ 16(SP), SI
	SHLQ $2, SI
	MOVQ R10, DI

f16Delta:
	LEAQ (R8)(DX*1), AX
	PREFETCHT0 (AX)(SI*1)
	PREFETCHT0 (R9)(DX*1)
	PREFETCHT0 (R12)(DX*1)
	PREFETCHT0 (R13)(DX*1)
	PREFETCHT0 (DI)
	ADDQ 24(SP), DI
	VMOVUPS (R8)(DX*1), Y7
	VADDPS 32(SP), Y7, Y7
	SOFTPLUS8
	VMOVUPS Y4, (R11)(DX*1)
	VMOVUPS 32(R8)(DX*1), Y7
	VADDPS 64(SP), Y7, Y7
	SOFTPLUS8
	VMOVUPS Y4, 32(R11)(DX*1)
	ADDQ 16(SP), DX
	DECQ 0(SP)
	JNZ f16Delta

	MOVQ 160(SP), DX
	MOVQ DX, 0(SP)
	XORQ DX, DX
	VBROADCASTSS e2magic<>(SB), Z12
	VBROADCASTSS e2lo<>(SB), Z13
	MOVQ 168(SP), R14
	CMPQ 8(SP), $64
	JEQ f16Reg

f16Step:
	VMOVUPS (R11)(DX*1), Z4
	VMULPS (R9)(DX*1), Z4, Z5
	VPXORD Z6, Z6, Z6
	MOVQ 176(SP), SI
	MOVQ 184(SP), DI
	XORQ AX, AX

f16State:
	VMOVUPS (SI), Y0
	VINSERTF64X4 $1, (SI)(R14*1), Z0, Z0
	VMULPS Z4, Z0, Z0
	EXP2SZ(Z0, Z1, Z2)
	VMOVUPS (DI), Y1
	VINSERTF64X4 $1, (DI)(R14*1), Z1, Z1
	VMULPS Z1, Z0, Z0
	VBROADCASTSS (BX)(AX*1), Z1
	VFMADD231PS Z1, Z5, Z0
	VMOVUPS Y0, (DI)
	VEXTRACTF64X4 $1, Z0, (DI)(R14*1)
	VBROADCASTSS (CX)(AX*1), Z1
	VFMADD231PS Z1, Z0, Z6
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $4, AX
	CMPQ AX, 8(SP)
	JLT f16State

	// y = C·h + D·u
	VMOVUPS (R9)(DX*1), Z1
	VFMADD231PS 96(SP), Z1, Z6
	VMOVUPS Z6, (R12)(DX*1)

	ADDQ 16(SP), DX
	ADDQ 8(SP), BX
	ADDQ 8(SP), CX
	DECQ 0(SP)
	JNZ f16Step

f16Gate0:
	MOVQ 160(SP), DX
	MOVQ DX, 0(SP)
	XORQ DX, DX

f16Gate:
	VMOVUPS (R12)(DX*1), Y6
	VMOVUPS (R10), Y7
	GATE8
	VMOVUPS Y0, (R13)(DX*1)
	VMOVUPS 32(R12)(DX*1), Y6
	VMOVUPS 32(R10), Y7
	GATE8
	VMOVUPS Y0, 32(R13)(DX*1)
	ADDQ 16(SP), DX
	ADDQ 24(SP), R10
	DECQ 0(SP)
	JNZ f16Gate
	VZEROUPPER
	RET

	// N = 16: state rows in Z16-Z31, A·log2(e) in the frame, the
	// polynomial in registers, the row loop unrolled.
f16Reg:
	MOVQ 176(SP), SI
	MOVQ 184(SP), DI
	LOADROW16(0, Z16)
	LOADROW16(1, Z17)
	LOADROW16(2, Z18)
	LOADROW16(3, Z19)
	LOADROW16(4, Z20)
	LOADROW16(5, Z21)
	LOADROW16(6, Z22)
	LOADROW16(7, Z23)
	LOADROW16(8, Z24)
	LOADROW16(9, Z25)
	LOADROW16(10, Z26)
	LOADROW16(11, Z27)
	LOADROW16(12, Z28)
	LOADROW16(13, Z29)
	LOADROW16(14, Z30)
	LOADROW16(15, Z31)
	EXP2COEFFS

f16RegStep:
	VMOVUPS (R11)(DX*1), Z4
	VMULPS (R9)(DX*1), Z4, Z5
	VPXORD Z6, Z6, Z6
	FSTEP16(0, Z16)
	FSTEP16(1, Z17)
	FSTEP16(2, Z18)
	FSTEP16(3, Z19)
	FSTEP16(4, Z20)
	FSTEP16(5, Z21)
	FSTEP16(6, Z22)
	FSTEP16(7, Z23)
	FSTEP16(8, Z24)
	FSTEP16(9, Z25)
	FSTEP16(10, Z26)
	FSTEP16(11, Z27)
	FSTEP16(12, Z28)
	FSTEP16(13, Z29)
	FSTEP16(14, Z30)
	FSTEP16(15, Z31)
	VMOVUPS (R9)(DX*1), Z1
	VFMADD231PS 96(SP), Z1, Z6
	VMOVUPS Z6, (R12)(DX*1)
	ADDQ 16(SP), DX
	ADDQ $64, BX
	ADDQ $64, CX
	DECQ 0(SP)
	JNZ f16RegStep

	STOREROW16(0, Z16)
	STOREROW16(1, Z17)
	STOREROW16(2, Z18)
	STOREROW16(3, Z19)
	STOREROW16(4, Z20)
	STOREROW16(5, Z21)
	STOREROW16(6, Z22)
	STOREROW16(7, Z23)
	STOREROW16(8, Z24)
	STOREROW16(9, Z25)
	STOREROW16(10, Z26)
	STOREROW16(11, Z27)
	STOREROW16(12, Z28)
	STOREROW16(13, Z29)
	STOREROW16(14, Z30)
	STOREROW16(15, Z31)
	JMP f16Gate0

// Frame of scanBwd16.
#define S_T 0
#define S_TOFF 8
#define S_E4 16
#define S_N64 24
#define S_DELTA 32
#define S_U 40
#define S_Z 48
#define S_DY 56
#define S_YPRE 64
#define S_DT 72
#define S_DU 80
#define S_DDT 88
#define S_DZ 96
#define S_ARG 104
#define S_ZS4 112
#define S_TOFFZ 120
#define S_N32 128
#define S_HSROW 136
#define S_DAROW 144
#define S_AL2 152
#define S_DH 160
#define S_AT 168
#define S_DA 176
#define S_BIAS 192
#define S_D 256
// At N = 16 only: both groups' rows of A·log2(e), A and dA, 16 lanes each.
#define S_AL2X 320
#define S_ATX 1344
#define S_DAX 2368
// Prefetching: 4·E·4 (four steps ahead), and z's row offset of step t
// during the recomputation.
#define S_PFE 3392
#define S_PFZ 3400


// The N = 16 pieces of scanBwd16: the state rows (recomputation) and then
// the carries dh (reverse recurrence) live in Z16-Z31 for the whole chunk,
// A·log2(e), A and dA 16 lanes wide in the frame, and the row loops are
// unrolled; every operation is the general loop's, in its order.

// INTERLEAVE16(src, dst) copies the 16 (N, 8)-block rows of both groups
// (src: the first group's, R14 = N·32) into the frame at dst, 16 lanes a
// row (Y0/Z0 clobbered).
#define INTERLEAVE16(n, src, dst) \
	VMOVUPS (32*n)(src), Y0; \
	VINSERTF64X4 $1, (32*n)(src)(R14*1), Z0, Z0; \
	VMOVUPS Z0, (dst+64*n)(SP)

#define INTERLEAVE16ALL(src, dst) \
	INTERLEAVE16(0, src, dst); INTERLEAVE16(1, src, dst); INTERLEAVE16(2, src, dst); INTERLEAVE16(3, src, dst); \
	INTERLEAVE16(4, src, dst); INTERLEAVE16(5, src, dst); INTERLEAVE16(6, src, dst); INTERLEAVE16(7, src, dst); \
	INTERLEAVE16(8, src, dst); INTERLEAVE16(9, src, dst); INTERLEAVE16(10, src, dst); INTERLEAVE16(11, src, dst); \
	INTERLEAVE16(12, src, dst); INTERLEAVE16(13, src, dst); INTERLEAVE16(14, src, dst); INTERLEAVE16(15, src, dst)

// SPLIT16(n, src, dst) writes frame row n at src back to both groups' blocks.
#define SPLIT16(n, src, dst) \
	VMOVUPS (src+64*n)(SP), Z0; \
	VEXTRACTF64X4 $0, Z0, (32*n)(dst); \
	VEXTRACTF64X4 $1, Z0, (32*n)(dst)(R14*1)

#define SPLIT16ALL(src, dst) \
	SPLIT16(0, src, dst); SPLIT16(1, src, dst); SPLIT16(2, src, dst); SPLIT16(3, src, dst); \
	SPLIT16(4, src, dst); SPLIT16(5, src, dst); SPLIT16(6, src, dst); SPLIT16(7, src, dst); \
	SPLIT16(8, src, dst); SPLIT16(9, src, dst); SPLIT16(10, src, dst); SPLIT16(11, src, dst); \
	SPLIT16(12, src, dst); SPLIT16(13, src, dst); SPLIT16(14, src, dst); SPLIT16(15, src, dst)

// GATHER16(n, src, H) loads row n of both groups' blocks into H.
#define GATHER16(n, src, H) \
	VMOVUPS (32*n)(src), Y0; \
	VINSERTF64X4 $1, (32*n)(src)(R14*1), Z0, H

// SCATTER16(n, H, dst) stores H to row n of both groups' blocks.
#define SCATTER16(n, H, dst) \
	VEXTRACTF64X4 $0, H, (32*n)(dst); \
	VEXTRACTF64X4 $1, H, (32*n)(dst)(R14*1)

// RECSTEP16(n, H): recState16 for row n with h_{t−1} in H: DAs row t
// (R10) gets exp(Δ·A), H and HS row t+1 (R9) get h_t.
#define RECSTEP16(n, H) \
	VMULPS (S_AL2X+64*n)(SP), Z4, Z0; \
	EXP2R(Z0, Z1, Z2); \
	VMOVUPS Z0, (64*n)(R10); \
	VMULPS H, Z0, H; \
	VBROADCASTSS (4*n)(BX), Z1; \
	VFMADD231PS Z1, Z5, H; \
	VMOVUPS H, (64*n)(R9)

// REVSTEP16(n, H): revState16 for row n with the carry in H.
#define REVSTEP16(n, H) \
	VBROADCASTSS (4*n)(CX), Z1; \
	VFMADD231PS Z1, Z8, H; \
	VMULPS (64*n)(DX), Z8, Z1; \
	VEXTRACTF64X4 $1, Z1, Y2; \
	VADDPS (32*n)(R8), Y1, Y1; \
	VADDPS Y2, Y1, Y1; \
	VMOVUPS Y1, (32*n)(R8); \
	VMULPS H, Z10, Z1; \
	VEXTRACTF64X4 $1, Z1, Y2; \
	VADDPS (32*n)(DI), Y1, Y1; \
	VADDPS Y2, Y1, Y1; \
	VMOVUPS Y1, (32*n)(DI); \
	VBROADCASTSS (4*n)(BX), Z1; \
	VFMADD231PS Z1, H, Z11; \
	VMULPS (64*n)(SI), H, H; \
	VMULPS (64*n)(R9), H, Z3; \
	VFMADD231PS (S_ATX+64*n)(SP), Z3, Z12; \
	VMOVUPS (S_DAX+64*n)(SP), Z1; \
	VFMADD231PS Z3, Z9, Z1; \
	VMOVUPS Z1, (S_DAX+64*n)(SP)

// func scanBwd16(a *Bwd)
//
// scanBwd8 for two adjacent groups at once (W = 16, AVX-512). H0, DH, AT,
// AL2 and DA hold the second group's (N, 8) block after the first's (N·8
// floats on); DD, DBias and the per-(t, e) rows hold 16 channels; the
// lanes of dB and dC stay (Len, N, 8), the first group's terms added before
// the second's (as two calls would); the scratch is 16 wide: HS (Len+1, N,
// 16) with h_{t−1} of step t in row t (row 0 is H0), DAs (Len, N, 16).
// Every lane does scanBwd8's operations in scanBwd8's order, so the
// results equal two scanBwd8 calls bit for bit (TestScanBwd16MatchesPairs).
TEXT ·scanBwd16(SB), 0, $3408-8
	MOVQ a+0(FP), AX
	MOVQ AX, S_ARG(SP)
	SAVE_ROWS
	MOVQ B_AL2(AX), DX
	MOVQ DX, S_AL2(SP)
	MOVQ B_DH(AX), DX
	MOVQ DX, S_DH(SP)
	MOVQ B_AT(AX), DX
	MOVQ DX, S_AT(SP)
	MOVQ B_DA(AX), DX
	MOVQ DX, S_DA(SP)
	MOVQ B_BIAS(AX), DX
	VMOVUPS (DX), Z0
	VMOVUPS Z0, S_BIAS(SP)
	MOVQ B_D(AX), DX
	VMOVUPS (DX), Z0
	VMOVUPS Z0, S_D(SP)
	MOVQ B_E(AX), DX
	SHLQ $2, DX
	MOVQ DX, S_E4(SP)
	MOVQ B_ZS(AX), DX
	SHLQ $2, DX
	MOVQ DX, S_ZS4(SP)
	MOVQ B_N(AX), R13
	SHLQ $2, R13 // R13 = N·4 for the whole function
	MOVQ R13, R14
	SHLQ $3, R14 // R14 = N·32: the second group's block
	MOVQ R14, S_N32(SP)
	MOVQ R13, DX
	SHLQ $4, DX
	MOVQ DX, S_N64(SP)

	// HS row 0 = H0, both groups' blocks side by side.
	MOVQ B_H0(AX), SI
	MOVQ B_HS(AX), R9
	XORQ CX, CX

h0Row:
	VMOVUPS (SI), Y0
	VINSERTF64X4 $1, (SI)(R14*1), Z0, Z0
	VMOVUPS Z0, (R9)
	ADDQ $32, SI
	ADDQ $64, R9
	ADDQ $4, CX
	CMPQ CX, R13
	JLT h0Row

	// Recompute h_t (HS row t+1) and exp(Δ_t A) (DAs row t), t = 0..Len−1,
	// as scanBwd8. BX B row, SI A·log2 e row n (second group at +R14), R8
	// HS row t, R9 HS row t+1, R10 DAs row t; Z4 Δ, Z5 Δ·u.
	MOVQ B_LEN(AX), DX
	MOVQ DX, S_T(SP)
	MOVQ $0, S_TOFF(SP)
	MOVQ $0, S_PFZ(SP)
	MOVQ S_E4(SP), CX
	SHLQ $2, CX
	MOVQ CX, S_PFE(SP)
	MOVQ B_BM(AX), BX
	MOVQ B_HS(AX), R8
	MOVQ B_DAS(AX), R10
	VBROADCASTSS e2magic<>(SB), Z12
	VBROADCASTSS e2lo<>(SB), Z13
	CMPQ R13, $64
	JNE recStep16
	MOVQ S_AL2(SP), SI
	INTERLEAVE16ALL(SI, S_AL2X)
	VMOVUPS (R8), Z16
	VMOVUPS 64(R8), Z17
	VMOVUPS 128(R8), Z18
	VMOVUPS 192(R8), Z19
	VMOVUPS 256(R8), Z20
	VMOVUPS 320(R8), Z21
	VMOVUPS 384(R8), Z22
	VMOVUPS 448(R8), Z23
	VMOVUPS 512(R8), Z24
	VMOVUPS 576(R8), Z25
	VMOVUPS 640(R8), Z26
	VMOVUPS 704(R8), Z27
	VMOVUPS 768(R8), Z28
	VMOVUPS 832(R8), Z29
	VMOVUPS 896(R8), Z30
	VMOVUPS 960(R8), Z31
	EXP2COEFFS

recStep16:
	PREFETCH_REV
	PTR(S_DELTA)
	VMOVUPS (AX), Z4
	PTR(S_U)
	VMULPS (AX), Z4, Z5
	MOVQ S_AL2(SP), SI
	MOVQ R8, R9
	ADDQ S_N64(SP), R9
	XORQ AX, AX
	CMPQ R13, $64
	JEQ recReg16

recState16:
	VMOVUPS (SI), Y0
	VINSERTF64X4 $1, (SI)(R14*1), Z0, Z0
	VMULPS Z4, Z0, Z0
	EXP2SZ(Z0, Z1, Z2)
	VMOVUPS Z0, (R10)
	VMULPS (R8), Z0, Z0
	VBROADCASTSS (BX)(AX*1), Z1
	VFMADD231PS Z1, Z5, Z0
	VMOVUPS Z0, (R9)
	ADDQ $32, SI
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $4, AX
	CMPQ AX, R13
	JLT recState16

recNext16:
	ADDQ R13, BX
	MOVQ S_E4(SP), AX
	ADDQ AX, S_TOFF(SP)
	MOVQ S_ZS4(SP), AX
	ADDQ AX, S_PFZ(SP)
	DECQ S_T(SP)
	JNZ recStep16

	// Reverse time from t = Len−1. Per step: BX/CX the B/C row, DI/R8 the
	// lanes of dB/dC (rows of N·8), DX HS row t+1 (h_t), R9 HS row t
	// (h_{t−1}), SI DAs row t, R10 the carry dh (first block; second at
	// +R14), R11 A, R12 dA, AX n·4.
	MOVQ S_ARG(SP), AX
	MOVQ B_LEN(AX), DX
	MOVQ DX, S_T(SP)
	DECQ DX
	MOVQ DX, CX
	IMULQ S_E4(SP), CX
	MOVQ CX, S_TOFF(SP)
	MOVQ DX, CX
	IMULQ S_ZS4(SP), CX
	MOVQ CX, S_TOFFZ(SP)
	MOVQ DX, CX
	IMULQ S_N64(SP), CX // (Len−1)·N·64
	MOVQ B_DAS(AX), SI
	ADDQ CX, SI
	MOVQ SI, S_DAROW(SP)
	MOVQ B_HS(AX), SI
	ADDQ CX, SI
	ADDQ S_N64(SP), SI
	MOVQ SI, S_HSROW(SP) // HS row Len
	MOVQ DX, CX
	IMULQ R13, CX // (Len−1)·N·4
	MOVQ B_BM(AX), BX
	ADDQ CX, BX
	MOVQ B_CM(AX), DI
	ADDQ DI, CX // CX = C row
	SHLQ $3, DX
	IMULQ R13, DX // (Len−1)·N·32
	MOVQ B_LANEB(AX), DI
	ADDQ DX, DI
	MOVQ B_LANEC(AX), R8
	ADDQ DX, R8
	// Z14 Σ g·u, Z15 Σ d dt
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	CMPQ R13, $64
	JNE revStep16
	MOVQ S_AT(SP), SI
	INTERLEAVE16ALL(SI, S_ATX)
	MOVQ S_DA(SP), SI
	INTERLEAVE16ALL(SI, S_DAX)
	MOVQ S_DH(SP), SI
	GATHER16(0, SI, Z16)
	GATHER16(1, SI, Z17)
	GATHER16(2, SI, Z18)
	GATHER16(3, SI, Z19)
	GATHER16(4, SI, Z20)
	GATHER16(5, SI, Z21)
	GATHER16(6, SI, Z22)
	GATHER16(7, SI, Z23)
	GATHER16(8, SI, Z24)
	GATHER16(9, SI, Z25)
	GATHER16(10, SI, Z26)
	GATHER16(11, SI, Z27)
	GATHER16(12, SI, Z28)
	GATHER16(13, SI, Z29)
	GATHER16(14, SI, Z30)
	GATHER16(15, SI, Z31)

revStep16:
	// g (Z8) for both halves; dz written
	GRAD8(0, Y8)
	GRAD8(32, Y3)
	VINSERTF64X4 $1, Y3, Z8, Z8
	// Z9 Δ, Z13 u, Z10 Δ·u; Z11 Σ dh·B, Z12 Σ A·q
	PTR(S_DELTA)
	VMOVUPS (AX), Z9
	PTR(S_U)
	VMOVUPS (AX), Z13
	VMULPS Z13, Z9, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VFMADD231PS Z13, Z8, Z14
	MOVQ S_HSROW(SP), DX
	MOVQ DX, R9
	SUBQ S_N64(SP), R9
	MOVQ S_DAROW(SP), SI
	MOVQ S_DH(SP), R10
	MOVQ S_AT(SP), R11
	MOVQ S_DA(SP), R12
	XORQ AX, AX
	CMPQ R13, $64
	JEQ revReg16

revState16:
	VMOVUPS (R10), Y0
	VINSERTF64X4 $1, (R10)(R14*1), Z0, Z0
	VBROADCASTSS (CX)(AX*1), Z1
	VFMADD231PS Z1, Z8, Z0 // dh = carry + g·C
	VMULPS (DX), Z8, Z1
	VEXTRACTF64X4 $1, Z1, Y2
	VADDPS (R8)(AX*8), Y1, Y1
	VADDPS Y2, Y1, Y1
	VMOVUPS Y1, (R8)(AX*8) // lane C += g·h_t, first group then second
	VMULPS Z0, Z10, Z1
	VEXTRACTF64X4 $1, Z1, Y2
	VADDPS (DI)(AX*8), Y1, Y1
	VADDPS Y2, Y1, Y1
	VMOVUPS Y1, (DI)(AX*8) // lane B += dh·Δ·u
	VBROADCASTSS (BX)(AX*1), Z1
	VFMADD231PS Z1, Z0, Z11 // Σ dh·B
	VMULPS (SI), Z0, Z3
	VMOVUPS Y3, (R10)
	VEXTRACTF64X4 $1, Z3, (R10)(R14*1) // carry = dh·exp(ΔA)
	VMULPS (R9), Z3, Z3 // q = dh·exp(ΔA)·h_{t−1}
	VMOVUPS (R11), Y1
	VINSERTF64X4 $1, (R11)(R14*1), Z1, Z1
	VFMADD231PS Z1, Z3, Z12 // Σ A·q
	VMOVUPS (R12), Y1
	VINSERTF64X4 $1, (R12)(R14*1), Z1, Z1
	VFMADD231PS Z3, Z9, Z1
	VMOVUPS Y1, (R12)
	VEXTRACTF64X4 $1, Z1, (R12)(R14*1) // dA += Δ·q
	ADDQ $64, DX
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $4, AX
	CMPQ AX, R13
	JLT revState16

revTail16:
	// du = D·g + Δ·Σ dh·B
	VMULPS Z11, Z9, Z0
	VFMADD231PS S_D(SP), Z8, Z0
	PTR(S_DU)
	VMOVUPS Z0, (AX)
	// d dt = (u·Σ dh·B + Σ A·q)/(1 + exp(−(dt + bias)))
	VFMADD231PS Z13, Z11, Z12
	DENOM8(0, Y0)
	DENOM8(32, Y4)
	VINSERTF64X4 $1, Y4, Z0, Z0
	VDIVPS Z0, Z12, Z12
	PTR(S_DDT)
	VMOVUPS Z12, (AX)
	VADDPS Z12, Z15, Z15

	// one step back
	MOVQ S_E4(SP), AX
	SUBQ AX, S_TOFF(SP)
	MOVQ S_ZS4(SP), AX
	SUBQ AX, S_TOFFZ(SP)
	SUBQ R13, BX
	SUBQ R13, CX
	MOVQ S_N64(SP), AX
	SUBQ AX, S_HSROW(SP)
	SUBQ AX, S_DAROW(SP)
	SUBQ R14, DI
	SUBQ R14, R8
	DECQ S_T(SP)
	JNZ revStep16

	CMPQ R13, $64
	JNE revDone16
	MOVQ S_DH(SP), SI
	SCATTER16(0, Z16, SI)
	SCATTER16(1, Z17, SI)
	SCATTER16(2, Z18, SI)
	SCATTER16(3, Z19, SI)
	SCATTER16(4, Z20, SI)
	SCATTER16(5, Z21, SI)
	SCATTER16(6, Z22, SI)
	SCATTER16(7, Z23, SI)
	SCATTER16(8, Z24, SI)
	SCATTER16(9, Z25, SI)
	SCATTER16(10, Z26, SI)
	SCATTER16(11, Z27, SI)
	SCATTER16(12, Z28, SI)
	SCATTER16(13, Z29, SI)
	SCATTER16(14, Z30, SI)
	SCATTER16(15, Z31, SI)
	MOVQ S_DA(SP), SI
	SPLIT16ALL(S_DAX, SI)

revDone16:
	MOVQ S_ARG(SP), AX
	MOVQ B_DD(AX), DX
	VADDPS (DX), Z14, Z14
	VMOVUPS Z14, (DX)
	MOVQ B_DBIAS(AX), DX
	VADDPS (DX), Z15, Z15
	VMOVUPS Z15, (DX)
	VZEROUPPER
	RET

	// N = 16 bodies of the two row loops (entered per step, left to the
	// step's tail).
recReg16:
	RECSTEP16(0, Z16)
	RECSTEP16(1, Z17)
	RECSTEP16(2, Z18)
	RECSTEP16(3, Z19)
	RECSTEP16(4, Z20)
	RECSTEP16(5, Z21)
	RECSTEP16(6, Z22)
	RECSTEP16(7, Z23)
	RECSTEP16(8, Z24)
	RECSTEP16(9, Z25)
	RECSTEP16(10, Z26)
	RECSTEP16(11, Z27)
	RECSTEP16(12, Z28)
	RECSTEP16(13, Z29)
	RECSTEP16(14, Z30)
	RECSTEP16(15, Z31)
	ADDQ $1024, R8
	ADDQ $1024, R10
	JMP recNext16

revReg16:
	REVSTEP16(0, Z16)
	REVSTEP16(1, Z17)
	REVSTEP16(2, Z18)
	REVSTEP16(3, Z19)
	REVSTEP16(4, Z20)
	REVSTEP16(5, Z21)
	REVSTEP16(6, Z22)
	REVSTEP16(7, Z23)
	REVSTEP16(8, Z24)
	REVSTEP16(9, Z25)
	REVSTEP16(10, Z26)
	REVSTEP16(11, Z27)
	REVSTEP16(12, Z28)
	REVSTEP16(13, Z29)
	REVSTEP16(14, Z30)
	REVSTEP16(15, Z31)
	JMP revTail16
