// Field offsets of kern.Fwd and kern.Bwd for the scan kernels (slices are
// 24 bytes; TestLayout checks them), and the per-step 8-lane pieces that the
// 8- and 16-lane kernels share. The pieces use the including file's frame
// slots (PTR, PTRZ and the S_ names) and registers as documented at each.

#define F_H 0
#define F_AT 24
#define F_AL2 48
#define F_BM 72
#define F_CM 96
#define F_DT 120
#define F_U 144
#define F_Z 168
#define F_BIAS 192
#define F_D 216
#define F_DELTA 240
#define F_YPRE 264
#define F_Y 288
#define F_LEN 312
#define F_N 320
#define F_E 328
#define F_ZS 344

#define B_H0 0
#define B_DH 24
#define B_AT 48
#define B_AL2 72
#define B_DA 96
#define B_BM 120
#define B_CM 144
#define B_DT 168
#define B_U 192
#define B_Z 216
#define B_DY 240
#define B_DELTA 264
#define B_YPRE 288
#define B_BIAS 312
#define B_D 336
#define B_DU 360
#define B_DDT 384
#define B_DZ 408
#define B_DD 432
#define B_DBIAS 456
#define B_LANEB 480
#define B_LANEC 504
#define B_HS 528
#define B_DAS 552
#define B_LEN 576
#define B_N 584
#define B_E 592
#define B_ZS 608

// PTR sets AX to the per-(t, e) tensor saved at frame slot s, at step t
// (the including kernel keeps t·E·4 in S_TOFF); PTRZ the same for z and dz,
// which have their own row stride (S_TOFFZ).
#define PTR(s) \
	MOVQ s(SP), AX; \
	ADDQ S_TOFF(SP), AX

#define PTRZ(s) \
	MOVQ s(SP), AX; \
	ADDQ S_TOFFZ(SP), AX

// PREFETCH_REV, at step t of the recomputation, prefetches the rows of
// step t that the reverse pass reads and writes (dY, y_pre, dt, z, du,
// d dt, dz) and the recomputation's own Δ and u four steps ahead (AX
// clobbered; the including kernel keeps 4·E·4 in S_PFE and z's row offset
// of step t in S_PFZ). Each is a row of the call's channels at a stride of
// E floats (2E for z): in a training step a cache miss, whose latency the
// recomputation's arithmetic now hides.
#define PREFETCH_REV \
	PTR(S_DY); PREFETCHT0 (AX); \
	PTR(S_YPRE); PREFETCHT0 (AX); \
	PTR(S_DT); PREFETCHT0 (AX); \
	PTR(S_DU); PREFETCHT0 (AX); \
	PTR(S_DDT); PREFETCHT0 (AX); \
	MOVQ S_Z(SP), AX; ADDQ S_PFZ(SP), AX; PREFETCHT0 (AX); \
	MOVQ S_DZ(SP), AX; ADDQ S_PFZ(SP), AX; PREFETCHT0 (AX); \
	PTR(S_DELTA); ADDQ S_PFE(SP), AX; PREFETCHT0 (AX); \
	PTR(S_U); ADDQ S_PFE(SP), AX; PREFETCHT0 (AX)

// SAVE_ROWS copies the backward's per-(t, e) row pointers from the Bwd at
// AX into the including kernel's frame slots (DX clobbered).
#define SAVE_ROWS \
	MOVQ B_DELTA(AX), DX; \
	MOVQ DX, S_DELTA(SP); \
	MOVQ B_U(AX), DX; \
	MOVQ DX, S_U(SP); \
	MOVQ B_Z(AX), DX; \
	MOVQ DX, S_Z(SP); \
	MOVQ B_DY(AX), DX; \
	MOVQ DX, S_DY(SP); \
	MOVQ B_YPRE(AX), DX; \
	MOVQ DX, S_YPRE(SP); \
	MOVQ B_DT(AX), DX; \
	MOVQ DX, S_DT(SP); \
	MOVQ B_DU(AX), DX; \
	MOVQ DX, S_DU(SP); \
	MOVQ B_DDT(AX), DX; \
	MOVQ DX, S_DDT(SP); \
	MOVQ B_DZ(AX), DX; \
	MOVQ DX, S_DZ(SP)

// SOFTPLUS8 sets Y4 = softplus(Y7): log1p(e) as log(1+e)·e/((1+e)−1)
// (exact where 1+e rounds), e itself where 1+e == 1, x above 20
// (Y0-Y3, Y8-Y11 scratch).
#define SOFTPLUS8 \
	VMOVAPS Y7, Y0; \
	EXP8(Y0, Y1, Y2, Y3); \
	VADDPS one<>(SB), Y0, Y8; \
	VSUBPS one<>(SB), Y8, Y9; \
	VCMPPS $0, one<>(SB), Y8, Y10; \
	VDIVPS Y9, Y0, Y9; \
	LOG8(Y8, Y1, Y2, Y3, Y11); \
	VMULPS Y9, Y8, Y8; \
	VBLENDVPS Y10, Y0, Y8, Y8; \
	VCMPPS $0x1e, twenty<>(SB), Y7, Y10; \
	VBLENDVPS Y10, Y7, Y8, Y4

// GATE8 sets Y0 = Y6·Y7/(1+exp(−Y7)), the gated output y·SiLU(z)
// (Y1-Y3 scratch).
#define GATE8 \
	VXORPS signbit<>(SB), Y7, Y0; \
	EXP8(Y0, Y1, Y2, Y3); \
	VADDPS one<>(SB), Y0, Y0; \
	VDIVPS Y0, Y7, Y0; \
	VMULPS Y0, Y6, Y0

// GRAD8(off, G) computes, for the 8 channels at byte offset off of step
// t's rows, s = σ(z), g = dY·z·s into G and dz = dY·y_pre·s·(1 + z·(1−s))
// into DZ (Y0-Y2, Y4-Y7 scratch; AX clobbered).
#define GRAD8(off, G) \
	PTRZ(S_Z); \
	VMOVUPS off(AX), Y4; \
	VMOVAPS Y4, Y5; \
	SIGMOID8(Y5, Y0, Y1, Y2); \
	PTR(S_DY); \
	VMOVUPS off(AX), Y6; \
	VMULPS Y4, Y6, G; \
	VMULPS Y5, G, G; \
	VMOVUPS one<>(SB), Y7; \
	VSUBPS Y5, Y7, Y7; \
	VFMADD213PS one<>(SB), Y4, Y7; \
	PTR(S_YPRE); \
	VMULPS off(AX), Y6, Y6; \
	VMULPS Y5, Y6, Y6; \
	VMULPS Y7, Y6, Y6; \
	PTRZ(S_DZ); \
	VMOVUPS Y6, off(AX)

// DENOM8(off, X) sets X = 1 + exp(−(dt + bias)) for the 8 channels at byte
// offset off of step t's rows, the softplus derivative's denominator
// (Y1-Y3 scratch; AX clobbered).
#define DENOM8(off, X) \
	PTR(S_DT); \
	VMOVUPS off(AX), X; \
	VADDPS S_BIAS+off(SP), X, X; \
	VXORPS signbit<>(SB), X, X; \
	EXP8(X, Y1, Y2, Y3); \
	VADDPS one<>(SB), X, X
