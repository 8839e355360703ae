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
// 160 the chunk's length, 168 N·32, 176 AL2, 184 H.
TEXT ·scanFwd16(SB), NOSPLIT, $192-8
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

f16Delta:
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
TEXT ·scanBwd16(SB), NOSPLIT, $320-8
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
	MOVQ B_BM(AX), BX
	MOVQ B_HS(AX), R8
	MOVQ B_DAS(AX), R10
	VBROADCASTSS e2magic<>(SB), Z12
	VBROADCASTSS e2lo<>(SB), Z13

recStep16:
	PTR(S_DELTA)
	VMOVUPS (AX), Z4
	PTR(S_U)
	VMULPS (AX), Z4, Z5
	MOVQ S_AL2(SP), SI
	MOVQ R8, R9
	ADDQ S_N64(SP), R9
	XORQ AX, AX

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

	ADDQ R13, BX
	MOVQ S_E4(SP), AX
	ADDQ AX, S_TOFF(SP)
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

	MOVQ S_ARG(SP), AX
	MOVQ B_DD(AX), DX
	VADDPS (DX), Z14, Z14
	VMOVUPS Z14, (DX)
	MOVQ B_DBIAS(AX), DX
	VADDPS (DX), Z15, Z15
	VMOVUPS Z15, (DX)
	VZEROUPPER
	RET
