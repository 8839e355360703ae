// CPU emulation of the CUDA constructs models/cuda's kernels use (see
// README.md): blocks run one at a time; a barrier-free kernel runs a
// block's threads one after another, any other runs each CUDA thread as a
// fiber (emu_rt.cpp) with __syncthreads/__syncwarp as barriers and
// shuffles through a per-warp exchange array.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
using std::cos; using std::sin; using std::sqrt; using std::log; using std::exp;
struct dim3 { unsigned x = 1, y = 1, z = 1; };
extern thread_local dim3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(x)
#define __shared__ static
void emu_syncthreads();
void emu_syncwarp();
float emu_xchg_f(float v, int src);
double emu_xchg_d(double v, int src);
int emu_xchg_i(int v, int src);
inline void __syncthreads() { emu_syncthreads(); }
inline void __syncwarp() { emu_syncwarp(); }
inline float __shfl_xor_sync(unsigned, float v, int o) { return emu_xchg_f(v, (threadIdx.x & 31) ^ o); }
inline double __shfl_xor_sync(unsigned, double v, int o) { return emu_xchg_d(v, (threadIdx.x & 31) ^ o); }
inline float __shfl_xor_sync(unsigned, float v, int o, int) { return emu_xchg_f(v, (threadIdx.x & 31) ^ o); }
inline float __shfl_sync(unsigned, float v, int src, int width = 32) {
    return emu_xchg_f(v, ((threadIdx.x & 31) & ~(width - 1)) + (src % width));
}
inline int __any_sync(unsigned, int p) {
    int any = 0;
    for (int l = 0; l < 32; l++) any |= emu_xchg_i(p ? 1 : 0, l);
    return any;
}
inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
inline float __uint_as_float(unsigned i) { float f; memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned i; memcpy(&i, &f, 4); return i; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline float atomicAdd(float *p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline int atomicExch(int *p, int v) { return std::atomic_ref<int>(*p).exchange(v); }
inline float emu_f32(uint64_t s) { uint32_t u = (uint32_t)s; float f; memcpy(&f, &u, 4); return f; }

inline float bf2f(unsigned short h) { return __uint_as_float(((unsigned)h) << 16); }
inline unsigned short f2bf(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
struct F32 {
    typedef float T;
    static float ld(const float *p, long long i) { return p[i]; }
    static void st(float *p, long long i, float v) { p[i] = v; }
    static float rnd(float v) { return v; }
};
struct BF16 {
    typedef unsigned short T;
    static float ld(const unsigned short *p, long long i) { return bf2f(p[i]); }
    static void st(unsigned short *p, long long i, float v) { p[i] = f2bf(v); }
    static float rnd(float v) { return bf2f(f2bf(v)); }
};
struct FP16 {
    typedef unsigned short T;
    static float ld(const unsigned short *p, long long i) { _Float16 h; memcpy(&h, p + i, 2); return (float)h; }
    static void st(unsigned short *p, long long i, float v) { _Float16 h = (_Float16)v; memcpy(p + i, &h, 2); }
    static float rnd(float v) { return (float)(_Float16)v; }
};
inline float h2f(unsigned short h) { return FP16::ld(&h, 0); }
inline unsigned short f2h(float f) { unsigned short h; FP16::st(&h, 0, f); return h; }

typedef void (*emu_fn)(const uint64_t *);
struct EmuReg { EmuReg(const char *mod, const char *name, emu_fn f, int seq, int nargs); };
