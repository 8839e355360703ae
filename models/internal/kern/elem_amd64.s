#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"

// func siluAVX(y, x *float32, n int)
// y = x/(1+exp(−x)) for n a multiple of 8.
TEXT ·siluAVX(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ siluDone

siluLoop:
	VMOVUPS (SI), Y4
	VXORPS signbit<>(SB), Y4, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VADDPS one<>(SB), Y0, Y0
	VDIVPS Y0, Y4, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ siluLoop

siluDone:
	VZEROUPPER
	RET

// func siluBwdAVX(dx, dy, x *float32, n int)
// s = σ(x), dx = dy·s·(1 + x·(1−s)) for n a multiple of 8.
TEXT ·siluBwdAVX(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ siluBwdDone

siluBwdLoop:
	VMOVUPS (SI), Y4
	VMOVAPS Y4, Y5
	SIGMOID8(Y5, Y0, Y1, Y2)
	VMOVUPS one<>(SB), Y6
	VSUBPS Y5, Y6, Y6
	VFMADD213PS one<>(SB), Y4, Y6
	VMULPS (DX), Y5, Y5
	VMULPS Y6, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ siluBwdLoop

siluBwdDone:
	VZEROUPPER
	RET

// func expShiftAVX(dst, x *float32, n int, m float32) float32
// dst = exp(x − m) for n a multiple of 8; returns the sum of dst (8 lane
// sums, added pairwise).
TEXT ·expShiftAVX(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), Y5
	VXORPS Y6, Y6, Y6
	SHRQ $3, CX
	JZ expShiftDone

expShiftLoop:
	VMOVUPS (SI), Y0
	VSUBPS Y5, Y0, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y6, Y6
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ expShiftLoop

expShiftDone:
	VEXTRACTF128 $1, Y6, X7
	VADDPS X7, X6, X6
	VMOVHLPS X6, X7, X7
	VADDPS X7, X6, X6
	VMOVSHDUP X6, X7
	VADDSS X7, X6, X6
	VMOVSS X6, ret+32(FP)
	VZEROUPPER
	RET

// func maxAVX(x *float32, n int) float32
// max over n ≥ 8, a multiple of 8. NaNs may be dropped (callers see them
// through the exponentials that follow).
TEXT ·maxAVX(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	VMOVUPS (SI), Y0
	ADDQ $32, SI
	DECQ CX
	JZ maxReduce

maxLoop:
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ maxLoop

maxReduce:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VMAXPS X1, X0, X0
	VMOVSHDUP X0, X1
	VMAXSS X1, X0, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func geluAVX(y, x *float32, n int)
// y = x·Φ(x) for n a multiple of 8.
TEXT ·geluAVX(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ geluDone

geluLoop:
	VMOVUPS (SI), Y4
	VMOVAPS Y4, Y0
	PHI8(Y0, Y5, Y1, Y2, Y3)
	VMULPS Y4, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ geluLoop

geluDone:
	VZEROUPPER
	RET

// func geluBwdAVX(dx, dy, x *float32, n int)
// dx = dy·(Φ(x) + x·φ(x)) for n a multiple of 8.
TEXT ·geluBwdAVX(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ geluBwdDone

geluBwdLoop:
	VMOVUPS (SI), Y4
	VMOVAPS Y4, Y0
	PHI8(Y0, Y5, Y1, Y2, Y3)
	VMULPS invSqrt2Pi<>(SB), Y5, Y5
	VFMADD231PS Y5, Y4, Y0
	VMULPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ geluBwdLoop

geluBwdDone:
	VZEROUPPER
	RET

// func expScaleShiftAVX(dst, x *float32, n int, scale, m float32) float32
// dst = exp(x·scale − m) (one fused multiply-add) for n a multiple of 8;
// returns the sum of dst.
TEXT ·expScaleShiftAVX(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS scale+24(FP), Y4
	VBROADCASTSS m+28(FP), Y5
	VXORPS signbit<>(SB), Y5, Y5
	VXORPS Y6, Y6, Y6
	SHRQ $3, CX
	JZ essDone

essLoop:
	VMOVUPS (SI), Y0
	VFMADD213PS Y5, Y4, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y6, Y6
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ essLoop

essDone:
	VEXTRACTF128 $1, Y6, X7
	VADDPS X7, X6, X6
	VMOVHLPS X6, X7, X7
	VADDPS X7, X6, X6
	VMOVSHDUP X6, X7
	VADDSS X7, X6, X6
	VMOVSS X6, ret+32(FP)
	VZEROUPPER
	RET

// func scaleAVX(x *float32, n int, c float32)
// x *= c for n a multiple of 8.
TEXT ·scaleAVX(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Y1
	SHRQ $3, CX
	JZ scaleDone

scaleLoop:
	VMULPS (SI), Y1, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ scaleLoop

scaleDone:
	VZEROUPPER
	RET

// func dotAVX(a, b *float32, n int) float32
// Σ a·b for n a multiple of 8, in 8 lanes, then pairwise.
TEXT ·dotAVX(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
	JZ dotDone

dotLoop:
	VMOVUPS (SI), Y1
	VFMADD231PS (DI), Y1, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ dotLoop

dotDone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func softmaxBwdAVX(ds, p, dp *float32, n int, dot, scale float32)
// ds = p·(dp − dot)·scale for n a multiple of 8 (ds may be dp).
TEXT ·softmaxBwdAVX(SB), NOSPLIT, $0-40
	MOVQ ds+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ dp+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS dot+32(FP), Y4
	VBROADCASTSS scale+36(FP), Y5
	SHRQ $3, CX
	JZ smbDone

smbLoop:
	VMOVUPS (DX), Y0
	VSUBPS Y4, Y0, Y0
	VMULPS (SI), Y0, Y0
	VMULPS Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ smbLoop

smbDone:
	VZEROUPPER
	RET

// func addAVX(dst, a, b *float32, n int)
// dst = a + b for n a multiple of 8 (dst may alias a or b).
TEXT ·addAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ addDone

addLoop:
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ addLoop

addDone:
	VZEROUPPER
	RET

// func mulAVX(dst, a, b *float32, n int)
// dst = a·b for n a multiple of 8.
TEXT ·mulAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ mulDone

mulLoop:
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ mulLoop

mulDone:
	VZEROUPPER
	RET

// func axpyAVX(alpha float32, x, y *float32, n int)
// y += alpha·x for n a multiple of 8, multiply then add (two roundings, as
// the Go loop computes it: no fused multiply-add).
TEXT ·axpyAVX(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y1
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ axpyDone

axpyLoop:
	VMULPS (SI), Y1, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ axpyLoop

axpyDone:
	VZEROUPPER
	RET

// func adamwAVX(w, g, m, v *float32, n int, c *[6]float32)
// For n a multiple of 8, with c = {w1, b2, w2, bc2sqrt, eps, stepSize}:
// m += w1·(g − m); v = v·b2 + (w2·g)·g; w −= (stepSize·m)/(√v/bc2sqrt + eps),
// each operation rounded as the Go loop rounds it (no fused multiply-add;
// VSQRTPS is the correctly rounded square root, as float32(math.Sqrt(v))).
TEXT ·adamwAVX(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), BX
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Y8  // w1
	VBROADCASTSS 4(AX), Y9  // b2
	VBROADCASTSS 8(AX), Y10 // w2
	VBROADCASTSS 12(AX), Y11 // bc2sqrt
	VBROADCASTSS 16(AX), Y12 // eps
	VBROADCASTSS 20(AX), Y13 // stepSize
	SHRQ $3, CX
	JZ adamDone

adamLoop:
	VMOVUPS (SI), Y0 // g
	VMOVUPS (DX), Y1 // m
	VSUBPS Y1, Y0, Y2
	VMULPS Y2, Y8, Y2
	VADDPS Y2, Y1, Y1
	VMOVUPS Y1, (DX)
	VMULPS (BX), Y9, Y3 // v·b2
	VMULPS Y0, Y10, Y4
	VMULPS Y0, Y4, Y4 // (w2·g)·g
	VADDPS Y4, Y3, Y3
	VMOVUPS Y3, (BX)
	VSQRTPS Y3, Y3
	VDIVPS Y11, Y3, Y3
	VADDPS Y12, Y3, Y3 // denom
	VMULPS Y1, Y13, Y1 // stepSize·m
	VDIVPS Y3, Y1, Y1
	VMOVUPS (DI), Y5
	VSUBPS Y1, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, BX
	DECQ CX
	JNZ adamLoop

adamDone:
	VZEROUPPER
	RET

// func sumSqDevAVX(x *float32, n int, mu float32) (s, q float32)
// s = Σ x, q = Σ (x − mu)² for n a multiple of 8 (8 lanes, then pairwise).
TEXT ·sumSqDevAVX(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS mu+16(FP), Y5
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ $3, CX
	JZ ssdDone

ssdLoop:
	VMOVUPS (SI), Y2
	VADDPS Y2, Y0, Y0
	VSUBPS Y5, Y2, Y2
	VFMADD231PS Y2, Y2, Y1
	ADDQ $32, SI
	DECQ CX
	JNZ ssdLoop

ssdDone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	VMOVSS X0, s+24(FP)
	VEXTRACTF128 $1, Y1, X2
	VADDPS X2, X1, X1
	VMOVHLPS X1, X2, X2
	VADDPS X2, X1, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	VMOVSS X1, q+28(FP)
	VZEROUPPER
	RET

// func normAffineAVX(y, xh, x, w, b *float32, n int, mu, s float32)
// xh = (x − mu)·s; y = xh·w (+ b when b is not nil), n a multiple of 8.
TEXT ·normAffineAVX(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ xh+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), DX
	MOVQ b+32(FP), BX
	MOVQ n+40(FP), CX
	VBROADCASTSS mu+48(FP), Y4
	VBROADCASTSS s+52(FP), Y5
	SHRQ $3, CX
	JZ naDone

naLoop:
	VMOVUPS (SI), Y0
	VSUBPS Y4, Y0, Y0
	VMULPS Y5, Y0, Y0
	VMOVUPS Y0, (R8)
	VMULPS (DX), Y0, Y0
	TESTQ BX, BX
	JZ naNoBias
	VADDPS (BX), Y0, Y0
	ADDQ $32, BX

naNoBias:
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	ADDQ $32, R8
	DECQ CX
	JNZ naLoop

naDone:
	VZEROUPPER
	RET

// func normBwdAVX(dx, dy, xh, w *float32, n int, s, c0, c1 float32)
// dx = s·((dy·w − c0) − xh·c1), n a multiple of 8.
TEXT ·normBwdAVX(SB), NOSPLIT, $0-52
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ xh+16(FP), R8
	MOVQ w+24(FP), DX
	MOVQ n+32(FP), CX
	VBROADCASTSS s+40(FP), Y4
	VBROADCASTSS c0+44(FP), Y5
	VBROADCASTSS c1+48(FP), Y6
	SHRQ $3, CX
	JZ nbDone

nbLoop:
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y0
	VSUBPS Y5, Y0, Y0
	VMULPS (R8), Y6, Y1
	VSUBPS Y1, Y0, Y0
	VMULPS Y4, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ nbLoop

nbDone:
	VZEROUPPER
	RET

// func sumRows64AVX(dst, x *float32, n, stride int)
// dst[0:64] = Σ_{r<n} x[r·stride : r·stride+64], n ≥ 1, stride in bytes,
// the rows added in order (each column its own chain, as adding the rows
// one by one), in eight accumulators that stay in registers.
TEXT ·sumRows64AVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
	VMOVUPS 224(SI), Y7
	DECQ CX
	JZ sum64Done

sum64Loop:
	ADDQ DX, SI
	VADDPS 0(SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	VADDPS 128(SI), Y4, Y4
	VADDPS 160(SI), Y5, Y5
	VADDPS 192(SI), Y6, Y6
	VADDPS 224(SI), Y7, Y7
	DECQ CX
	JNZ sum64Loop

sum64Done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func sumRows8AVX(dst, x *float32, n, stride int)
// sumRows64AVX for 8 columns.
TEXT ·sumRows8AVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	VMOVUPS 0(SI), Y0
	DECQ CX
	JZ sum8Done

sum8Loop:
	ADDQ DX, SI
	VADDPS 0(SI), Y0, Y0
	DECQ CX
	JNZ sum8Loop

sum8Done:
	VMOVUPS Y0, 0(DI)
	VZEROUPPER
	RET
