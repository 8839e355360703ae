#include "textflag.h"

// Depthwise causal convolution over one sequence of L rows of E channels
// (E a multiple of 8), weights transposed to (K, E): row k multiplies the
// input K−1−k steps back.

// func convFwdAVX(y, x, wT, bias *float32, L, E, K, xs int)
// y[t] = bias + Σ_{k ≥ K−1−t} wT[k] ⊙ x[t−(K−1)+k]; x rows xs apart
TEXT ·convFwdAVX(SB), NOSPLIT, $0-64
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ E+40(FP), R8
	SHLQ $2, R8 // E·4
	MOVQ xs+56(FP), R13
	SHLQ $2, R13 // xs·4
	XORQ R9, R9 // t

fwdRow:
	// row = bias
	MOVQ bias+24(FP), BX
	XORQ AX, AX

fwdBias:
	VMOVUPS (BX)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT fwdBias

	// k from max(0, K−1−t); source row t−(K−1)+k
	MOVQ K+48(FP), R10
	DECQ R10
	SUBQ R9, R10 // K−1−t
	JGE fwdKmin
	XORQ R10, R10

fwdKmin:
	CMPQ R10, K+48(FP)
	JGE fwdNext
	MOVQ R10, R11
	IMULQ R8, R11
	ADDQ wT+16(FP), R11 // wT row k
	MOVQ R9, R12
	ADDQ R10, R12
	SUBQ K+48(FP), R12
	INCQ R12 // t−(K−1)+k
	IMULQ R13, R12
	ADDQ SI, R12 // x row
	XORQ AX, AX

fwdTap:
	VMOVUPS (R11)(AX*1), Y0
	VMOVUPS (DI)(AX*1), Y1
	VFMADD231PS (R12)(AX*1), Y0, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT fwdTap
	INCQ R10
	JMP fwdKmin

fwdNext:
	ADDQ R8, DI
	INCQ R9
	CMPQ R9, L+32(FP)
	JLT fwdRow
	VZEROUPPER
	RET

// func convBwdDataAVX(dx, dy, wT *float32, L, E, K, dxs int)
// dx[s] = Σ_{k: s+K−1−k < L} wT[k] ⊙ dy[s+K−1−k]; dx rows dxs apart
TEXT ·convBwdDataAVX(SB), NOSPLIT, $0-56
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ E+32(FP), R8
	SHLQ $2, R8
	MOVQ dxs+48(FP), R13
	SHLQ $2, R13
	XORQ R9, R9 // s

bdRow:
	XORQ AX, AX
	VXORPS Y0, Y0, Y0

bdZero:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT bdZero

	// k from max(0, s+K−L): then t = s+K−1−k ≤ L−1
	MOVQ R9, R10
	ADDQ K+40(FP), R10
	SUBQ L+24(FP), R10
	JGE bdKmin
	XORQ R10, R10

bdKmin:
	CMPQ R10, K+40(FP)
	JGE bdNext
	MOVQ R10, R11
	IMULQ R8, R11
	ADDQ wT+16(FP), R11
	MOVQ R9, R12
	ADDQ K+40(FP), R12
	DECQ R12
	SUBQ R10, R12 // t = s+K−1−k
	IMULQ R8, R12
	ADDQ SI, R12
	XORQ AX, AX

bdTap:
	VMOVUPS (R11)(AX*1), Y0
	VMOVUPS (DI)(AX*1), Y1
	VFMADD231PS (R12)(AX*1), Y0, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT bdTap
	INCQ R10
	JMP bdKmin

bdNext:
	ADDQ R13, DI
	INCQ R9
	CMPQ R9, L+24(FP)
	JLT bdRow
	VZEROUPPER
	RET

// func convBwdWeightAVX(dwT, db, dy, x *float32, L, E, K, xs int)
// dwT[k] += Σ_{t ≥ K−1−k} dy[t] ⊙ x[t−(K−1)+k]; db += Σ_t dy[t]; x rows xs apart
TEXT ·convBwdWeightAVX(SB), NOSPLIT, $0-64
	MOVQ dy+16(FP), SI
	MOVQ E+40(FP), R8
	SHLQ $2, R8
	MOVQ xs+56(FP), R13
	SHLQ $2, R13
	XORQ R9, R9 // t

bwRow:
	MOVQ db+8(FP), BX
	XORQ AX, AX

bwBias:
	VMOVUPS (BX)(AX*1), Y0
	VADDPS (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (BX)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT bwBias

	MOVQ K+48(FP), R10
	DECQ R10
	SUBQ R9, R10
	JGE bwKmin
	XORQ R10, R10

bwKmin:
	CMPQ R10, K+48(FP)
	JGE bwNext
	MOVQ R10, R11
	IMULQ R8, R11
	ADDQ dwT+0(FP), R11
	MOVQ R9, R12
	ADDQ R10, R12
	SUBQ K+48(FP), R12
	INCQ R12
	IMULQ R13, R12
	ADDQ x+24(FP), R12
	XORQ AX, AX

bwTap:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R11)(AX*1), Y1
	VFMADD231PS (R12)(AX*1), Y0, Y1
	VMOVUPS Y1, (R11)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R8
	JLT bwTap
	INCQ R10
	JMP bwKmin

bwNext:
	ADDQ R8, SI
	INCQ R9
	CMPQ R9, L+32(FP)
	JLT bwRow
	VZEROUPPER
	RET
