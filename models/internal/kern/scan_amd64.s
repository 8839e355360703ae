#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"
#include "scan_amd64.h"


// func scanFwd8(a *Fwd)
//
// Three passes over the chunk's steps, each with the same arithmetic as
// the Go definition: (1) Δ_t = softplus(dt_t + bias) for every t, (2) the
// state recurrence and y_t = C_t·h_t + D·u_t, (3) the gate
// y_t·z_t/(1+exp(−z_t)). Only pass 2 carries a dependence from step to
// step; passes 1 and 3 are independent across t, so their long exp/log
// chains overlap instead of sitting in every step of the recurrence.
//
// Registers: AX n·4 (state row n lives at n·32), BX/CX the B/C row of step
// t, DX t·E·4, SI A, DI h, R8 dt, R9 u, R10 z, R11 Δ, R12 y_pre, R13 y.
// Y4 Δ, Y5 Δ·u, Y6 the sum C·h; Y0-Y3 the exponential.
// Frame: 0 steps left, 8 N·4, 16 E·4, 24 ZS·4 (z's row stride), 32 bias
// (8 lanes), 64 D, 96 the chunk's length. R10 walks z by its own stride.
TEXT ·scanFwd8(SB), NOSPLIT, $104-8
	MOVQ a+0(FP), AX
	MOVQ F_H(AX), DI
	MOVQ F_AL2(AX), SI
	MOVQ F_BM(AX), BX
	MOVQ F_CM(AX), CX
	MOVQ F_DT(AX), R8
	MOVQ F_U(AX), R9
	MOVQ F_Z(AX), R10
	MOVQ F_DELTA(AX), R11
	MOVQ F_YPRE(AX), R12
	MOVQ F_Y(AX), R13
	MOVQ F_BIAS(AX), DX
	VMOVUPS (DX), Y0
	VMOVUPS Y0, 32(SP)
	MOVQ F_D(AX), DX
	VMOVUPS (DX), Y0
	VMOVUPS Y0, 64(SP)
	MOVQ F_LEN(AX), DX
	MOVQ DX, 0(SP)
	MOVQ DX, 96(SP)
	MOVQ F_N(AX), DX
	SHLQ $2, DX
	MOVQ DX, 8(SP)
	MOVQ F_E(AX), DX
	SHLQ $2, DX
	MOVQ DX, 16(SP)
	MOVQ F_ZS(AX), DX
	SHLQ $2, DX
	MOVQ DX, 24(SP)
	XORQ DX, DX
	MOVQ R10, AX // z row t, for the prefetches

fwdDelta:
	// prefetch the rows passes 2 and 3 read and write (as scanFwd16)
	PREFETCHT0 (R9)(DX*1)
	PREFETCHT0 (R12)(DX*1)
	PREFETCHT0 (R13)(DX*1)
	PREFETCHT0 (AX)
	ADDQ 24(SP), AX
	// Δ = softplus(dt + bias): log1p(e) as log(1+e)·e/((1+e)−1) (exact
	// where 1+e rounds), e itself where 1+e == 1, x above 20.
	VMOVUPS (R8)(DX*1), Y7
	VADDPS 32(SP), Y7, Y7
	SOFTPLUS8
	VMOVUPS Y4, (R11)(DX*1)
	ADDQ 16(SP), DX
	DECQ 0(SP)
	JNZ fwdDelta

	MOVQ 96(SP), DX
	MOVQ DX, 0(SP)
	XORQ DX, DX
	VMOVUPS e2magic<>(SB), Y12
	VMOVUPS e2lo<>(SB), Y13

fwdStep:
	VMOVUPS (R11)(DX*1), Y4
	VMULPS (R9)(DX*1), Y4, Y5
	VXORPS Y6, Y6, Y6
	XORQ AX, AX

	// Two state rows per iteration (their chains interleave), then the
	// odd one out; Y6 still sums C·h in the order of n.
	MOVQ 8(SP), R14
	SUBQ $4, R14
	JLE fwdOne

fwdState:
	VMULPS (SI)(AX*8), Y4, Y0
	VMULPS 32(SI)(AX*8), Y4, Y8
	EXP2S(Y0, Y1, Y2)
	EXP2S(Y8, Y9, Y10)
	VMULPS (DI)(AX*8), Y0, Y0
	VMULPS 32(DI)(AX*8), Y8, Y8
	VBROADCASTSS (BX)(AX*1), Y1
	VBROADCASTSS 4(BX)(AX*1), Y9
	VFMADD231PS Y1, Y5, Y0
	VFMADD231PS Y9, Y5, Y8
	VMOVUPS Y0, (DI)(AX*8)
	VMOVUPS Y8, 32(DI)(AX*8)
	VBROADCASTSS (CX)(AX*1), Y1
	VBROADCASTSS 4(CX)(AX*1), Y9
	VFMADD231PS Y1, Y0, Y6
	VFMADD231PS Y9, Y8, Y6
	ADDQ $8, AX
	CMPQ AX, R14
	JLT fwdState

fwdOne:
	CMPQ AX, 8(SP)
	JGE fwdStateDone
	VMULPS (SI)(AX*8), Y4, Y0
	EXP2S(Y0, Y1, Y2)
	VMULPS (DI)(AX*8), Y0, Y0
	VBROADCASTSS (BX)(AX*1), Y1
	VFMADD231PS Y1, Y5, Y0
	VMOVUPS Y0, (DI)(AX*8)
	VBROADCASTSS (CX)(AX*1), Y1
	VFMADD231PS Y1, Y0, Y6

fwdStateDone:

	// y = C·h + D·u
	VMOVUPS (R9)(DX*1), Y1
	VFMADD231PS 64(SP), Y1, Y6
	VMOVUPS Y6, (R12)(DX*1)

	ADDQ 16(SP), DX
	ADDQ 8(SP), BX
	ADDQ 8(SP), CX
	DECQ 0(SP)
	JNZ fwdStep

	MOVQ 96(SP), DX
	MOVQ DX, 0(SP)
	XORQ DX, DX

fwdGate:
	// out = y·z/(1+exp(−z))
	VMOVUPS (R12)(DX*1), Y6
	VMOVUPS (R10), Y7
	GATE8
	VMOVUPS Y0, (R13)(DX*1)
	ADDQ 16(SP), DX
	ADDQ 24(SP), R10
	DECQ 0(SP)
	JNZ fwdGate
	VZEROUPPER
	RET


// Frame of scanBwd8.
#define S_T 0
#define S_TOFF 8
#define S_E4 16
#define S_N32 24
#define S_DELTA 32
#define S_U 40
#define S_Z 48
#define S_DY 56
#define S_YPRE 64
#define S_DT 72
#define S_DU 80
#define S_DDT 88
#define S_DZ 96
#define S_H0 104
#define S_ARG 112
#define S_BIAS 128
#define S_D 160
#define S_ZS4 192
#define S_TOFFZ 200
#define S_PFE 208
#define S_PFZ 216

// func scanBwd8(a *Bwd)
TEXT ·scanBwd8(SB), NOSPLIT, $224-8
	MOVQ a+0(FP), AX
	MOVQ AX, S_ARG(SP)
	SAVE_ROWS
	MOVQ B_H0(AX), DX
	MOVQ DX, S_H0(SP)
	MOVQ B_BIAS(AX), DX
	VMOVUPS (DX), Y0
	VMOVUPS Y0, S_BIAS(SP)
	MOVQ B_D(AX), DX
	VMOVUPS (DX), Y0
	VMOVUPS Y0, S_D(SP)
	MOVQ B_E(AX), DX
	SHLQ $2, DX
	MOVQ DX, S_E4(SP)
	MOVQ B_ZS(AX), DX
	SHLQ $2, DX
	MOVQ DX, S_ZS4(SP)
	MOVQ B_N(AX), R13
	SHLQ $2, R13 // R13 = N·4 for the whole function
	MOVQ R13, DX
	SHLQ $3, DX
	MOVQ DX, S_N32(SP)
	MOVQ B_LEN(AX), DX
	MOVQ DX, S_T(SP)
	MOVQ $0, S_TOFF(SP)
	MOVQ $0, S_PFZ(SP)
	MOVQ S_E4(SP), DX
	SHLQ $2, DX
	MOVQ DX, S_PFE(SP)

	// Recompute h_t and exp(Δ_t A) for t = 0..Len−1, exactly as scanFwd8.
	// BX B row, SI A, R8 h_{t−1}, R9 h_t, R10 exp(Δ_t A); Y4 Δ, Y5 Δ·u.
	MOVQ B_BM(AX), BX
	MOVQ B_AL2(AX), SI
	MOVQ B_H0(AX), R8
	MOVQ B_HS(AX), R9
	MOVQ B_DAS(AX), R10
	VMOVUPS e2magic<>(SB), Y12
	VMOVUPS e2lo<>(SB), Y13

recStep:
	PREFETCH_REV
	PTR(S_DELTA)
	VMOVUPS (AX), Y4
	PTR(S_U)
	VMULPS (AX), Y4, Y5
	XORQ AX, AX

recState:
	VMULPS (SI)(AX*8), Y4, Y0
	EXP2S(Y0, Y1, Y2)
	VMOVUPS Y0, (R10)(AX*8)
	VMULPS (R8)(AX*8), Y0, Y0
	VBROADCASTSS (BX)(AX*1), Y1
	VFMADD231PS Y1, Y5, Y0
	VMOVUPS Y0, (R9)(AX*8)
	ADDQ $4, AX
	CMPQ AX, R13
	JLT recState

	MOVQ R9, R8
	ADDQ S_N32(SP), R9
	ADDQ S_N32(SP), R10
	ADDQ R13, BX
	MOVQ S_E4(SP), AX
	ADDQ AX, S_TOFF(SP)
	MOVQ S_ZS4(SP), AX
	ADDQ AX, S_PFZ(SP)
	DECQ S_T(SP)
	JNZ recStep

	// Reverse time. Step t = Len−1 first: rows at (Len−1)·N·32 and (Len−1)·N·4.
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
	MOVQ B_DAS(AX), SI
	ADDQ DX, SI
	MOVQ B_HS(AX), R9
	ADDQ R9, DX // DX = h_t
	MOVQ B_DH(AX), R10
	MOVQ B_AT(AX), R11
	MOVQ B_DA(AX), R12
	// Y14 Σ g·u, Y15 Σ d dt
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

revStep:
	// R9 = h_{t−1}: h_t one row back, or H0 at t = 0
	MOVQ DX, R9
	SUBQ S_N32(SP), R9
	CMPQ S_T(SP), $1
	JNE revPrev
	MOVQ S_H0(SP), R9

revPrev:
	// s = σ(z), g = dY·z·s (Y8), dz = dY·y_pre·s·(1 + z·(1−s))
	GRAD8(0, Y8)
	// Y9 Δ, Y13 u, Y10 Δ·u; Y11 Σ dh·B, Y12 Σ A·q
	PTR(S_DELTA)
	VMOVUPS (AX), Y9
	PTR(S_U)
	VMOVUPS (AX), Y13
	VMULPS Y13, Y9, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VFMADD231PS Y13, Y8, Y14
	XORQ AX, AX

revState:
	VMOVUPS (R10)(AX*8), Y0
	VBROADCASTSS (CX)(AX*1), Y1
	VFMADD231PS Y1, Y8, Y0 // dh = carry + g·C
	VMULPS (DX)(AX*8), Y8, Y1
	VADDPS (R8)(AX*8), Y1, Y1
	VMOVUPS Y1, (R8)(AX*8) // lane C += g·h_t
	VMULPS Y0, Y10, Y1
	VADDPS (DI)(AX*8), Y1, Y1
	VMOVUPS Y1, (DI)(AX*8) // lane B += dh·Δ·u
	VBROADCASTSS (BX)(AX*1), Y1
	VFMADD231PS Y1, Y0, Y11 // Σ dh·B
	VMULPS (SI)(AX*8), Y0, Y3
	VMOVUPS Y3, (R10)(AX*8) // carry = dh·exp(ΔA)
	VMULPS (R9)(AX*8), Y3, Y3 // q = dh·exp(ΔA)·h_{t−1}
	VFMADD231PS (R11)(AX*8), Y3, Y12 // Σ A·q
	VMOVUPS (R12)(AX*8), Y1
	VFMADD231PS Y3, Y9, Y1
	VMOVUPS Y1, (R12)(AX*8) // dA += Δ·q
	ADDQ $4, AX
	CMPQ AX, R13
	JLT revState

	// du = D·g + Δ·Σ dh·B
	VMULPS Y11, Y9, Y0
	VFMADD231PS S_D(SP), Y8, Y0
	PTR(S_DU)
	VMOVUPS Y0, (AX)
	// d dt = (u·Σ dh·B + Σ A·q)·σ(dt + bias)
	VFMADD231PS Y13, Y11, Y12
	DENOM8(0, Y0)
	VDIVPS Y0, Y12, Y12
	PTR(S_DDT)
	VMOVUPS Y12, (AX)
	VADDPS Y12, Y15, Y15

	// one step back
	MOVQ S_E4(SP), AX
	SUBQ AX, S_TOFF(SP)
	MOVQ S_ZS4(SP), AX
	SUBQ AX, S_TOFFZ(SP)
	SUBQ R13, BX
	SUBQ R13, CX
	MOVQ S_N32(SP), AX
	SUBQ AX, DX
	SUBQ AX, SI
	SUBQ AX, DI
	SUBQ AX, R8
	DECQ S_T(SP)
	JNZ revStep

	MOVQ S_ARG(SP), AX
	MOVQ B_DD(AX), DX
	VADDPS (DX), Y14, Y14
	VMOVUPS Y14, (DX)
	MOVQ B_DBIAS(AX), DX
	VADDPS (DX), Y15, Y15
	VMOVUPS Y15, (DX)
	VZEROUPPER
	RET
