// Cooperative emulation of a CUDA block: one ucontext per thread; every
// synchronising primitive yields, and the scheduler runs the threads round
// robin, so all threads of a block advance primitive by primitive.
#include <cmath>
#include <cstring>
#include <cstdint>
#include <vector>
#include <algorithm>
#include <ucontext.h>
struct dim3 { unsigned x = 1, y = 1, z = 1; };
static dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
using std::min; using std::max;
static ucontext_t g_sched;
static std::vector<ucontext_t> g_ctx;
static std::vector<char> g_stacks;
static int g_cur;
static unsigned char g_slots[1024][8];
static inline void yield_() { swapcontext(&g_ctx[g_cur], &g_sched); }
static inline int lin() { return threadIdx.x + threadIdx.y * blockDim.x; }
// Barriers count arrivals (a block's, or a warp's 32 lanes'), so warps that
// take different paths between them (a warp-uniform branch around
// shuffles) still meet at the right one.
static long g_bgen, g_bcount, g_wgen[32], g_wcount[32];
static inline int nthreads() { return blockDim.x * blockDim.y * blockDim.z; }
static inline void bar_block() {
    long g = g_bgen;
    if (++g_bcount == nthreads()) { g_bcount = 0; g_bgen++; return; }
    while (g_bgen == g) yield_();
}
static inline void bar_warp() {
    int w = lin() / 32, n = std::min(32, nthreads() - w * 32);
    long g = g_wgen[w];
    if (++g_wcount[w] == n) { g_wcount[w] = 0; g_wgen[w]++; return; }
    while (g_wgen[w] == g) yield_();
}
template <class T, class F> T shfl_gen(T v, F src) {
    int t = lin(), lane = t % 32, w0 = t - lane;
    memcpy(g_slots[t], &v, sizeof(T));
    bar_warp();
    T r; memcpy(&r, g_slots[w0 + src(lane)], sizeof(T));
    bar_warp();
    return r;
}
template <class T> T __shfl_sync(unsigned, T v, int s, int width = 32) {
    return shfl_gen(v, [&](int lane) { return (lane / width) * width + (s % width); });
}
template <class T> T __shfl_xor_sync(unsigned, T v, int m, int width = 32) {
    return shfl_gen(v, [&](int lane) { int x = lane ^ m; return ((x / width) == (lane / width)) ? x : lane; });
}
static inline bool __any_sync(unsigned, bool p) {
    int t = lin(), lane = t % 32, w0 = t - lane;
    int v = p; memcpy(g_slots[t], &v, 4);
    bar_warp();
    bool any = false; for (int i = 0; i < 32; i++) { int x; memcpy(&x, g_slots[w0 + i], 4); any |= x != 0; }
    bar_warp();
    return any;
}
static inline void __syncthreads() { bar_block(); }
static inline void __syncwarp() { bar_warp(); }
static inline float atomicAdd(float *p, float v) { float o = *p; *p = o + v; return o; }
static inline double atomicAdd(double *p, double v) { double o = *p; *p = o + v; return o; }
static inline int atomicExch(int *p, int v) { int o = *p; *p = v; return o; }
static inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
static inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
static inline float __int_as_float(int u) { float f; memcpy(&f, &u, 4); return f; }
typedef void (*kfn)(void **);
static void **g_args; static kfn g_fn; static std::vector<char> g_done;
static void trampoline(int t) {
    threadIdx = {unsigned(t % blockDim.x), unsigned(t / blockDim.x), 0};
    g_fn(g_args);
    g_done[t] = 1;
    swapcontext(&g_ctx[t], &g_sched);
}
static void emu_launch(kfn fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void **args) {
    gridDim = {gx, gy, gz}; blockDim = {bx, by, bz};
    int nt = bx * by * bz;
    const size_t SS = 256 * 1024;
    g_ctx.resize(nt); g_stacks.resize(SS * nt); g_done.assign(nt, 0);
    g_args = args; g_fn = fn;
    for (unsigned z = 0; z < gz; z++) for (unsigned y = 0; y < gy; y++) for (unsigned x = 0; x < gx; x++) {
        blockIdx = {x, y, z};
        std::fill(g_done.begin(), g_done.end(), 0);
        g_bgen = g_bcount = 0;
        for (int w = 0; w < 32; w++) g_wgen[w] = g_wcount[w] = 0;
        for (int t = 0; t < nt; t++) {
            getcontext(&g_ctx[t]);
            g_ctx[t].uc_stack.ss_sp = &g_stacks[SS * t]; g_ctx[t].uc_stack.ss_size = SS; g_ctx[t].uc_link = nullptr;
            makecontext(&g_ctx[t], (void (*)())trampoline, 1, t);
        }
        for (bool live = true; live;) {
            live = false;
            for (int t = 0; t < nt; t++) {
                if (g_done[t]) continue;
                g_cur = t;
                threadIdx = {unsigned(t % bx), unsigned(t / bx), 0};
                swapcontext(&g_sched, &g_ctx[t]);
                live = true;
            }
        }
    }
}
