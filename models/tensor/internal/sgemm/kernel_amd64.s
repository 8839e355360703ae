#include "textflag.h"

// The AVX2+FMA micro-kernel: a 6x16 float32 tile of C held in Y0-Y11 (two
// registers per row), updated by one rank-1 product per k from a packed A
// micro-panel (6 values per k) and a packed B micro-panel (16 values per k).
// Y12/Y13 hold the B row, Y14/Y15 the broadcast A values.

#define RANK1(ao, bo) \
	VMOVUPS bo(DI), Y12; \
	VMOVUPS bo+32(DI), Y13; \
	VBROADCASTSS ao(SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS ao+4(SI), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS ao+8(SI), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS ao+12(SI), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS ao+16(SI), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS ao+20(SI), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11

// The same rank-1 update reading A unpacked: row r of the micro-panel at
// SI + r*lda (R11 = lda, R12 = 3*lda, R13 = 5*lda, in bytes).
#define RANK1S(ao, bo) \
	VMOVUPS bo(DI), Y12; \
	VMOVUPS bo+32(DI), Y13; \
	VBROADCASTSS ao(SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS ao(SI)(R11*1), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS ao(SI)(R11*2), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS ao(SI)(R12*1), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS ao(SI)(R11*4), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS ao(SI)(R13*1), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11

// Zero the accumulators.
#define ZERO \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// Prefetch the six rows of the C tile at DX (row stride R8) so its lines
// arrive during the k loop.
#define PREFETCHC \
	MOVQ DX, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9); \
	ADDQ R8, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9); \
	ADDQ R8, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9); \
	ADDQ R8, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9); \
	ADDQ R8, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9); \
	ADDQ R8, R9; \
	PREFETCHT0 (R9); \
	PREFETCHT0 60(R9)

// Multiply the accumulators by alpha (broadcast in Y14).
#define SCALE \
	VMULPS Y14, Y0, Y0; \
	VMULPS Y14, Y1, Y1; \
	VMULPS Y14, Y2, Y2; \
	VMULPS Y14, Y3, Y3; \
	VMULPS Y14, Y4, Y4; \
	VMULPS Y14, Y5, Y5; \
	VMULPS Y14, Y6, Y6; \
	VMULPS Y14, Y7, Y7; \
	VMULPS Y14, Y8, Y8; \
	VMULPS Y14, Y9, Y9; \
	VMULPS Y14, Y10, Y10; \
	VMULPS Y14, Y11, Y11

// C row r = alpha*acc + beta*C (beta != 0).
#define ROWBETA(lo, hi) \
	VFMADD231PS (DX), Y15, lo; \
	VFMADD231PS 32(DX), Y15, hi; \
	VMOVUPS lo, (DX); \
	VMOVUPS hi, 32(DX); \
	ADDQ R8, DX

// C row r = alpha*acc (beta == 0: C is not read).
#define ROWSTORE(lo, hi) \
	VMOVUPS lo, (DX); \
	VMOVUPS hi, 32(DX); \
	ADDQ R8, DX

// func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	PREFETCHC
	ZERO

	MOVQ  CX, R10
	SHRQ  $2, R10
	ANDQ  $3, CX
	TESTQ R10, R10
	JZ    tail

loop4:
	RANK1(0, 0)
	RANK1(24, 64)
	RANK1(48, 128)
	RANK1(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ R10
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    epilogue

loop1:
	RANK1(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

epilogue:
	VBROADCASTSS alpha+40(FP), Y14
	SCALE
	MOVL beta+44(FP), AX
	ANDL $0x7fffffff, AX
	JZ   store
	VBROADCASTSS beta+44(FP), Y15
	ROWBETA(Y0, Y1)
	ROWBETA(Y2, Y3)
	ROWBETA(Y4, Y5)
	ROWBETA(Y6, Y7)
	ROWBETA(Y8, Y9)
	ROWBETA(Y10, Y11)
	VZEROUPPER
	RET

store:
	ROWSTORE(Y0, Y1)
	ROWSTORE(Y2, Y3)
	ROWSTORE(Y4, Y5)
	ROWSTORE(Y6, Y7)
	ROWSTORE(Y8, Y9)
	ROWSTORE(Y10, Y11)
	VZEROUPPER
	RET

// func kernel6x16s(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16s(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R11
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	LEAQ (R11)(R11*4), R13
	PREFETCHC
	ZERO

	MOVQ  CX, R10
	SHRQ  $2, R10
	ANDQ  $3, CX
	TESTQ R10, R10
	JZ    tail

loop4:
	RANK1S(0, 0)
	RANK1S(4, 64)
	RANK1S(8, 128)
	RANK1S(12, 192)
	ADDQ $16, SI
	ADDQ $256, DI
	DECQ R10
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    epilogue

loop1:
	RANK1S(0, 0)
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

epilogue:
	VBROADCASTSS alpha+48(FP), Y14
	SCALE
	MOVL beta+52(FP), AX
	ANDL $0x7fffffff, AX
	JZ   store
	VBROADCASTSS beta+52(FP), Y15
	ROWBETA(Y0, Y1)
	ROWBETA(Y2, Y3)
	ROWBETA(Y4, Y5)
	ROWBETA(Y6, Y7)
	ROWBETA(Y8, Y9)
	ROWBETA(Y10, Y11)
	VZEROUPPER
	RET

store:
	ROWSTORE(Y0, Y1)
	ROWSTORE(Y2, Y3)
	ROWSTORE(Y4, Y5)
	ROWSTORE(Y6, Y7)
	ROWSTORE(Y8, Y9)
	ROWSTORE(Y10, Y11)
	VZEROUPPER
	RET

// func copyPanels16(dst *float32, stride int, src *float32, n int)
TEXT ·copyPanels16(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  stride+8(FP), R8
	SHLQ  $2, R8
	MOVQ  src+16(FP), SI
	MOVQ  n+24(FP), CX
	TESTQ CX, CX
	JZ    done

loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    R8, DI
	DECQ    CX
	JNZ     loop
	VZEROUPPER

done:
	RET

// func transpose8x8(d *float32, stride int, s *float32, lds int, n int)
// For n blocks of 8 columns p: d[(p+i)*stride + r] = s[r*lds + p + i]
// (r, i < 8), an 8x8 transpose per block in registers.
TEXT ·transpose8x8(SB), NOSPLIT, $0-40
	MOVQ  d+0(FP), DI
	MOVQ  stride+8(FP), R8
	MOVQ  s+16(FP), SI
	MOVQ  lds+24(FP), R9
	MOVQ  n+32(FP), CX
	SHLQ  $2, R8
	SHLQ  $2, R9
	LEAQ  (R9)(R9*2), R10 // 3*lds
	LEAQ  (R9)(R9*4), R11 // 5*lds
	LEAQ  (R10)(R9*4), R12 // 7*lds
	LEAQ  (R8)(R8*2), R13 // 3*stride
	LEAQ  (R8)(R8*4), AX // 5*stride
	LEAQ  (R13)(R8*4), BX // 7*stride
	TESTQ CX, CX
	JZ    done

loop:
	VMOVUPS    (SI), Y0
	VMOVUPS    (SI)(R9*1), Y1
	VMOVUPS    (SI)(R9*2), Y2
	VMOVUPS    (SI)(R10*1), Y3
	VMOVUPS    (SI)(R9*4), Y4
	VMOVUPS    (SI)(R11*1), Y5
	VMOVUPS    (SI)(R10*2), Y6
	VMOVUPS    (SI)(R12*1), Y7
	VUNPCKLPS  Y1, Y0, Y8
	VUNPCKHPS  Y1, Y0, Y9
	VUNPCKLPS  Y3, Y2, Y10
	VUNPCKHPS  Y3, Y2, Y11
	VUNPCKLPS  Y5, Y4, Y12
	VUNPCKHPS  Y5, Y4, Y13
	VUNPCKLPS  Y7, Y6, Y14
	VUNPCKHPS  Y7, Y6, Y15
	VSHUFPS    $0x44, Y10, Y8, Y0
	VSHUFPS    $0xEE, Y10, Y8, Y1
	VSHUFPS    $0x44, Y11, Y9, Y2
	VSHUFPS    $0xEE, Y11, Y9, Y3
	VSHUFPS    $0x44, Y14, Y12, Y4
	VSHUFPS    $0xEE, Y14, Y12, Y5
	VSHUFPS    $0x44, Y15, Y13, Y6
	VSHUFPS    $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS    Y8, (DI)
	VMOVUPS    Y9, (DI)(R8*1)
	VMOVUPS    Y10, (DI)(R8*2)
	VMOVUPS    Y11, (DI)(R13*1)
	VMOVUPS    Y12, (DI)(R8*4)
	VMOVUPS    Y13, (DI)(AX*1)
	VMOVUPS    Y14, (DI)(R13*2)
	VMOVUPS    Y15, (DI)(BX*1)
	ADDQ       $32, SI
	LEAQ       (DI)(R8*8), DI
	DECQ       CX
	JNZ        loop
	VZEROUPPER

done:
	RET
