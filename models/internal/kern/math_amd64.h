// Vector float32 exp and log over the 8 lanes of a YMM register (AVX2+FMA).
// Both need consts_amd64.h included first.

// EXP8 sets X = exp(X) (Cephes expf, within 2 ulp; see Exp) using three
// temporaries. X is clamped to [expLo, expHi] first, so results saturate at
// 2^-126 and 2.4e38; NaN propagates (min/max return X when X is NaN).
#define EXP8(X, T1, T2, T3) \
	VMOVUPS expHi<>(SB), T1; \
	VMINPS X, T1, T1; \
	VMOVUPS expLo<>(SB), T2; \
	VMAXPS T1, T2, T1; \
	VMOVUPS half<>(SB), T2; \
	VFMADD231PS log2e<>(SB), T1, T2; \
	VROUNDPS $1, T2, T2; \
	VFNMADD231PS expC1<>(SB), T2, T1; \
	VFNMADD231PS expC2<>(SB), T2, T1; \
	VMOVUPS expP0<>(SB), T3; \
	VFMADD213PS expP1<>(SB), T1, T3; \
	VFMADD213PS expP2<>(SB), T1, T3; \
	VFMADD213PS expP3<>(SB), T1, T3; \
	VFMADD213PS expP4<>(SB), T1, T3; \
	VFMADD213PS expP5<>(SB), T1, T3; \
	VMULPS T1, T1, X; \
	VFMADD213PS T1, X, T3; \
	VADDPS one<>(SB), T3, T3; \
	VCVTTPS2DQ T2, T2; \
	VPADDD k127<>(SB), T2, T2; \
	VPSLLD $23, T2, T2; \
	VMULPS T2, T3, X

// LOG8 sets X = log(X) for positive normal X (Cephes logf, within 2 ulp)
// using four temporaries.
#define LOG8(X, T1, T2, T3, T4) \
	VPSRLD $23, X, T1; \
	VPSUBD k126<>(SB), T1, T1; \
	VCVTDQ2PS T1, T1; \
	VANDPS mantmask<>(SB), X, T2; \
	VORPS half<>(SB), T2, T2; \
	VCMPPS $1, sqrthf<>(SB), T2, T3; \
	VANDPS T3, T2, T4; \
	VANDPS one<>(SB), T3, T3; \
	VSUBPS T3, T1, T1; \
	VSUBPS one<>(SB), T2, T2; \
	VADDPS T4, T2, T2; \
	VMULPS T2, T2, T3; \
	VMOVUPS logP0<>(SB), T4; \
	VFMADD213PS logP1<>(SB), T2, T4; \
	VFMADD213PS logP2<>(SB), T2, T4; \
	VFMADD213PS logP3<>(SB), T2, T4; \
	VFMADD213PS logP4<>(SB), T2, T4; \
	VFMADD213PS logP5<>(SB), T2, T4; \
	VFMADD213PS logP6<>(SB), T2, T4; \
	VFMADD213PS logP7<>(SB), T2, T4; \
	VFMADD213PS logP8<>(SB), T2, T4; \
	VMULPS T2, T4, T4; \
	VMULPS T3, T4, T4; \
	VFMADD231PS logQ1<>(SB), T1, T4; \
	VFNMADD231PS half<>(SB), T3, T4; \
	VADDPS T4, T2, X; \
	VFMADD231PS logQ2<>(SB), T1, X

// SIGMOID8 sets X = 1/(1+exp(-X)) using three temporaries.
#define SIGMOID8(X, T1, T2, T3) \
	VXORPS signbit<>(SB), X, X; \
	EXP8(X, T1, T2, T3); \
	VADDPS one<>(SB), X, X; \
	VMOVUPS one<>(SB), T1; \
	VDIVPS X, T1, X

// PHI8 sets X = Φ(X), the standard normal CDF, and E = exp(−X²/2), using
// two more temporaries: with a = |X|/√2, t = 1/(1 + p·a) and
// q = t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·exp(−a²) (Abramowitz–Stegun
// 7.1.26, |erf error| < 1.5e-7, the approximation of PyTorch's vectorised
// erf), Φ = q/2 for X < 0 and 1 − q/2 otherwise (no cancellation in the
// lower tail).
#define PHI8(X, E, T1, T2, T3) \
	VANDPS absmask<>(SB), X, T1; \
	VMULPS rsqrt2<>(SB), T1, T1; \
	VMULPS T1, T1, E; \
	VXORPS signbit<>(SB), E, E; \
	EXP8(E, T2, T3, T1); \
	VANDPS absmask<>(SB), X, T1; \
	VMULPS rsqrt2<>(SB), T1, T1; \
	VMOVUPS one<>(SB), T2; \
	VFMADD231PS erfP<>(SB), T1, T2; \
	VMOVUPS one<>(SB), T1; \
	VDIVPS T2, T1, T1; \
	VMOVUPS erfA5<>(SB), T2; \
	VFMADD213PS erfA4<>(SB), T1, T2; \
	VFMADD213PS erfA3<>(SB), T1, T2; \
	VFMADD213PS erfA2<>(SB), T1, T2; \
	VFMADD213PS erfA1<>(SB), T1, T2; \
	VMULPS T1, T2, T2; \
	VMULPS E, T2, T2; \
	VMULPS half<>(SB), T2, T2; \
	VMOVUPS one<>(SB), T1; \
	VSUBPS T2, T1, T1; \
	VBLENDVPS X, T2, T1, X

// EXP2S sets X = 2^X for X = Δ·A·log2(e) ≤ 0 (the scan's decays), with
// Y12 = 1.5·2^23 + 127 and Y13 = −126 loaded by the caller: X is clamped
// at −126 (results saturate at 2^−126; NaN propagates), t = X + Y12 rounds
// X to the nearest integer z in its low mantissa bits (with the bias 127),
// r = X − z is exact in [−1/2, 1/2], 2^r is a degree-6 polynomial (relative
// error 1.9e-9, within 1.5 ulp in float32 Horner form) and 2^z is t's low
// bits shifted into the exponent. Four instructions fewer on the
// multiply-add ports than EXP8 with the multiplication by log2(e) folded
// into the precomputed A·log2(e).
#define EXP2S(X, T1, T2) \
	VMAXPS X, Y13, X; \
	VADDPS Y12, X, T1; \
	VSUBPS Y12, T1, T2; \
	VSUBPS T2, X, X; \
	VMOVUPS e2c6<>(SB), T2; \
	VFMADD213PS e2c5<>(SB), X, T2; \
	VFMADD213PS e2c4<>(SB), X, T2; \
	VFMADD213PS e2c3<>(SB), X, T2; \
	VFMADD213PS e2c2<>(SB), X, T2; \
	VFMADD213PS e2c1<>(SB), X, T2; \
	VFMADD213PS e2c0<>(SB), X, T2; \
	VPSLLD $23, T1, T1; \
	VMULPS T1, T2, X
