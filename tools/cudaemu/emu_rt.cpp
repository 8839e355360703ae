// The runtime of the kernel emulation (README.md): the kernel registry,
// launches, fibers and barriers, and cuBLAS's GEMM as a naive loop.
#include "emu.h"
#include <map>
#include <memory>
#include <string>
#include <vector>
thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
struct Entry { std::string mod, name; emu_fn f; int seq, nargs; };
static std::vector<Entry> &table() { static std::vector<Entry> t; return t; }
EmuReg::EmuReg(const char *mod, const char *name, emu_fn f, int seq, int nargs) { table().push_back({mod, name, f, seq, nargs}); }
#include <ucontext.h>
static bool g_seq;
// fibers: every CUDA thread of a block is a ucontext on one OS thread; a
// barrier yields to the scheduler until all have reached it.
struct Fiber { ucontext_t ctx; bool done; };
static std::vector<Fiber> g_f;
static std::vector<char *> g_stacks;
static ucontext_t g_sched;
static int g_cur, g_bx;
static unsigned g_b, g_by;
static const Entry *g_e;
static const uint64_t *g_a;
static long g_bgen, g_bcount;
static long g_wgen[32], g_wcount[32];
static const size_t STACK = 256 << 10;
static void yield_() { swapcontext(&g_f[g_cur].ctx, &g_sched); }
static void fiber_main() {
    g_e->f(g_a);
    g_f[g_cur].done = true;
    swapcontext(&g_f[g_cur].ctx, &g_sched);
}
static float g_xf[32][32];
static double g_xd[32][32];
static int g_xi[32][32];
static void need_threads(const char *what) {
    if (g_seq) { fprintf(stderr, "emu: %s in a kernel run sequentially\n", what); abort(); }
}
void emu_syncthreads() {
    need_threads("__syncthreads");
    long gen = g_bgen;
    if (++g_bcount == g_bx) { g_bcount = 0; g_bgen++; return; }
    while (g_bgen == gen) yield_();
}
void emu_syncwarp() {
    need_threads("__syncwarp");
    int w = threadIdx.x >> 5;
    long gen = g_wgen[w];
    if (++g_wcount[w] == 32) { g_wcount[w] = 0; g_wgen[w]++; return; }
    while (g_wgen[w] == gen) yield_();
}
float emu_xchg_f(float v, int src) {
    int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    g_xf[w][l] = v; emu_syncwarp(); float r = g_xf[w][src]; emu_syncwarp(); return r;
}
double emu_xchg_d(double v, int src) {
    int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    g_xd[w][l] = v; emu_syncwarp(); double r = g_xd[w][src]; emu_syncwarp(); return r;
}
int emu_xchg_i(int v, int src) {
    int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    g_xi[w][l] = v; emu_syncwarp(); int r = g_xi[w][src]; emu_syncwarp(); return r;
}
extern "C" int emu_find(const char *mod, const char *name) {
    auto &t = table();
    for (size_t i = 0; i < t.size(); i++)
        if (t[i].mod == mod && t[i].name == name) return (int)i;
    return -1;
}
extern "C" int emu_nargs(int f) { return table()[f].nargs; }
extern "C" void emu_launch(int f, unsigned gx, unsigned gy, unsigned bx, const uint64_t *args) {
    Entry &e = table()[f];
    std::vector<uint64_t> a(args, args + e.nargs);
    blockDim = {bx, 1, 1};
    gridDim = {gx, gy, 1};
    g_seq = e.seq;
    g_e = &e;
    g_a = a.data();
    while (g_stacks.size() < bx) g_stacks.push_back((char *)malloc(STACK));
    for (unsigned by = 0; by < gy; by++)
        for (unsigned b = 0; b < gx; b++) {
            if (e.seq) {
                for (unsigned t = 0; t < bx; t++) { threadIdx = {t, 0, 0}; blockIdx = {b, by, 0}; e.f(a.data()); }
                continue;
            }
            g_bx = bx; g_bcount = 0; g_bgen = 0;
            for (int w = 0; w < 32; w++) { g_wcount[w] = 0; g_wgen[w] = 0; }
            g_f.assign(bx, Fiber{});
            for (unsigned t = 0; t < bx; t++) {
                getcontext(&g_f[t].ctx);
                g_f[t].ctx.uc_stack.ss_sp = g_stacks[t];
                g_f[t].ctx.uc_stack.ss_size = STACK;
                g_f[t].ctx.uc_link = nullptr;
                makecontext(&g_f[t].ctx, fiber_main, 0);
            }
            blockIdx = {b, by, 0};
            for (unsigned alive = bx; alive > 0;) {
                alive = 0;
                for (unsigned t = 0; t < bx; t++) {
                    if (g_f[t].done) continue;
                    g_cur = (int)t;
                    threadIdx = {t, 0, 0};
                    swapcontext(&g_sched, &g_f[t].ctx);
                    if (!g_f[t].done) alive++;
                }
            }
        }
}
// column-major C = alpha·op(A)·op(B) + beta·C with element types (0 fp32,
// 14 bf16, 2 fp16), accumulated in double, stored rounded to C's type.
static float ldT(uint64_t p, int t, long long i) {
    if (t == 0) return ((const float *)p)[i];
    if (t == 14) return BF16::ld((const unsigned short *)p, i);
    return FP16::ld((const unsigned short *)p, i);
}
static void stT(uint64_t p, int t, long long i, float v) {
    if (t == 0) ((float *)p)[i] = v;
    else if (t == 14) BF16::st((unsigned short *)p, i, v);
    else FP16::st((unsigned short *)p, i, v);
}
extern "C" void emu_gemm(int ta, int tb, int m, int n, int k, float alpha, uint64_t a, int at, int lda, uint64_t b,
                         int bt, int ldb, float beta, uint64_t c, int ct, int ldc) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
                float x = ta ? ldT(a, at, (long long)i * lda + l) : ldT(a, at, (long long)l * lda + i);
                float y = tb ? ldT(b, bt, (long long)l * ldb + j) : ldT(b, bt, (long long)j * ldb + l);
                s += (double)x * y;
            }
            float r = (float)(alpha * s);
            if (beta != 0) r += beta * ldT(c, ct, (long long)j * ldc + i);
            stT(c, ct, (long long)j * ldc + i, r);
        }
}
