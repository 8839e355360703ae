// Prepended to every kernel source (module.go): the 16-bit storage types.
// bf16 is stored as its 16 raw bits and converted by hand (no CUDA header),
// rounding to nearest even as precision.RoundBF16 does; F32 and BF16 give
// kernels one load/store interface, so a template serves both precisions.

__device__ __forceinline__ float bf2f(unsigned short h) { return __uint_as_float(((unsigned)h) << 16); }
__device__ __forceinline__ unsigned short f2bf(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u); // quiet NaN
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

struct F32 {
    typedef float T;
    static __device__ __forceinline__ float ld(const float *p, long long i) { return p[i]; }
    static __device__ __forceinline__ void st(float *p, long long i, float v) { p[i] = v; }
    static __device__ __forceinline__ float rnd(float v) { return v; }
};
struct BF16 {
    typedef unsigned short T;
    static __device__ __forceinline__ float ld(const unsigned short *p, long long i) { return bf2f(p[i]); }
    static __device__ __forceinline__ void st(unsigned short *p, long long i, float v) { p[i] = f2bf(v); }
    static __device__ __forceinline__ float rnd(float v) { return bf2f(f2bf(v)); }
};
// fp16 through the PTX conversions (round to nearest even), no header.
__device__ __forceinline__ float h2f(unsigned short h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short f2h(float f) { unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
struct FP16 {
    typedef unsigned short T;
    static __device__ __forceinline__ float ld(const unsigned short *p, long long i) { return h2f(p[i]); }
    static __device__ __forceinline__ void st(unsigned short *p, long long i, float v) { p[i] = f2h(v); }
    static __device__ __forceinline__ float rnd(float v) { return h2f(f2h(v)); }
};
