// The Mamba (v1) mixer's training kernels: the forward of mamba.cu with
// the scan's chunk-boundary states kept, and the backward of the causal
// conv + SiLU and of the selective scan. Activations are of type P (fp32,
// bf16 or fp16: suffixes _f32, _bf16, _fp16); the scan runs in fp32 inside
// under every policy (mamba_ssm's kernels, models/mamba's autocast policy).
// models/mamba's Forward and Backward (mixer.go, scan_backward.go) are the
// specification.

#ifndef SSM_N
#define SSM_N 16 // the state size; module.go compiles this file with -DSSM_N=<N>
#endif
// channels per block of the scan backward (a block is CPB·N threads)
#define CPB (SSM_N >= 32 ? 2 : SSM_N == 16 ? 8 : 256 / SSM_N)
#define INSTANTIATE3(MACRO) MACRO(F32, f32) MACRO(BF16, bf16) MACRO(FP16, fp16)

__device__ __forceinline__ float t_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
__device__ __forceinline__ float t_silu(float x) { return x / (1.0f + expf(-x)); }
__device__ __forceinline__ float t_dsilu(float x) {
    float s = t_sigmoid(x);
    return s * (1.0f + x * (1.0f - s));
}
// softplus and its derivative as PyTorch's (threshold 20).
__device__ __forceinline__ float t_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
__device__ __forceinline__ float t_dsoftplus(float x) { return x > 20.0f ? 1.0f : t_sigmoid(x); }

// neg_exp_t: a = −exp(x) (A = −exp(A_log) of the current weights).
extern "C" __global__ void neg_exp_t(float *a, const float *x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] = -expf(x[i]);
}

// conv_pre computes the conv output before SiLU at (row bt, channel e), as
// models/nn's Conv1d under the policy: weights and bias rounded to P, the
// sum rounded.
template <class P>
__device__ __forceinline__ float conv_pre(const typename P::T *x, int xs, const float *w, const float *bias, long long bt,
                                          int t, int e, int K) {
    float acc = bias ? P::rnd(bias[e]) : 0.0f;
    for (int k = 0; k < K; k++) {
        int s = t - (K - 1) + k;
        if (s >= 0) acc += P::rnd(w[e * K + k]) * P::ld(x, (bt - t + s) * xs + e);
    }
    return P::rnd(acc);
}

// conv_silu_t: u = SiLU(conv(x)), grid (B·L, ⌈E/block⌉) as mamba.cu's.
template <class P>
__device__ void conv_silu_t(typename P::T *u, const typename P::T *x, int xs, const float *w, const float *bias, int L,
                            int E, int K) {
    long long bt = blockIdx.x;
    int e = blockIdx.y * blockDim.x + threadIdx.x;
    if (e >= E) return;
    int t = (int)(bt % L);
    P::st(u, bt * E + e, t_silu(conv_pre<P>(x, xs, w, bias, bt, t, e, K)));
}

// conv_silu_bwd_t: dxc = du · SiLU'(conv(x)) in place of du (the conv
// output recomputed), same grid.
template <class P>
__device__ void conv_silu_bwd_t(typename P::T *du, const typename P::T *x, int xs, const float *w, const float *bias,
                                int L, int E, int K) {
    long long bt = blockIdx.x;
    int e = blockIdx.y * blockDim.x + threadIdx.x;
    if (e >= E) return;
    int t = (int)(bt % L);
    float pre = conv_pre<P>(x, xs, w, bias, bt, t, e, K);
    P::st(du, bt * E + e, P::ld(du, bt * E + e) * t_dsilu(pre));
}

// conv_bwd_data_t: dx[b, s, e] = Σ_k w[e, k]·dxc[b, s + K−1−k, e] (causal:
// terms past the sequence end vanish), written with row stride dxs.
template <class P>
__device__ void conv_bwd_data_t(typename P::T *dx, int dxs, const typename P::T *dxc, const float *w, int L, int E,
                                int K) {
    long long bt = blockIdx.x;
    int e = blockIdx.y * blockDim.x + threadIdx.x;
    if (e >= E) return;
    int s = (int)(bt % L);
    float acc = 0;
    for (int k = 0; k < K; k++) {
        int t = s + (K - 1) - k;
        if (t < L) acc += P::rnd(w[e * K + k]) * P::ld(dxc, (bt - s + t) * E + e);
    }
    P::st(dx, bt * dxs + e, acc);
}

// conv_bwd_weight_t: dW[e, k] += Σ_{b,t} dxc[b,t,e]·x[b, t−(K−1)+k, e] and
// db[e] += Σ dxc (db may be null), rows split over gridDim.y, K ≤ 8.
template <class P>
__device__ void conv_bwd_weight_t(float *dw, float *db, const typename P::T *dxc, const typename P::T *x, int xs,
                                  long long rows, int L, int E, int K) {
    int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= E) return;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, accb = 0;
    for (long long bt = blockIdx.y; bt < rows; bt += gridDim.y) {
        int t = (int)(bt % L);
        float g = P::ld(dxc, bt * E + e);
        accb += g;
        for (int k = 0; k < K; k++) {
            int s = t - (K - 1) + k;
            if (s >= 0) acc[k] += g * P::ld(x, (bt - t + s) * xs + e);
        }
    }
    for (int k = 0; k < K; k++) atomicAdd(&dw[e * K + k], acc[k]);
    if (db) atomicAdd(&db[e], accb);
}

#define CONVK(P, s)                                                                                           \
    extern "C" __global__ void conv_silu_fwd_##s(P::T *u, const P::T *x, int xs, const float *w,              \
                                                 const float *bias, int L, int E, int K) {                    \
        conv_silu_t<P>(u, x, xs, w, bias, L, E, K);                                                           \
    }                                                                                                         \
    extern "C" __global__ void conv_silu_bwd_##s(P::T *du, const P::T *x, int xs, const float *w,             \
                                                 const float *bias, int L, int E, int K) {                    \
        conv_silu_bwd_t<P>(du, x, xs, w, bias, L, E, K);                                                      \
    }                                                                                                         \
    extern "C" __global__ void conv_bwd_data_##s(P::T *dx, int dxs, const P::T *dxc, const float *w, int L,   \
                                                 int E, int K) {                                              \
        conv_bwd_data_t<P>(dx, dxs, dxc, w, L, E, K);                                                         \
    }                                                                                                         \
    extern "C" __global__ void conv_bwd_weight_##s(float *dw, float *db, const P::T *dxc, const P::T *x,      \
                                                   int xs, long long rows, int L, int E, int K) {             \
        conv_bwd_weight_t<P>(dw, db, dxc, x, xs, rows, L, E, K);                                              \
    }
INSTANTIATE3(CONVK)

// scan_fwd_t is mamba.cu's selective_scan (one (batch, channel) per group
// of N threads, one state element per thread, chunks of N steps whose
// per-step work lane j does once) that also writes the state at the start
// of every chunk, ckpt[b, c, e, n] (B, ⌈L/N⌉, E, N), for the backward.
template <class P>
__device__ void scan_fwd_t(typename P::T *y, float *ckpt, const typename P::T *u, const typename P::T *dt,
                           const float *dtbias, const typename P::T *z, int zs, const typename P::T *dbl, int S, int R,
                           const float *A, const float *Dskip, int B, int L, int E) {
    const unsigned all = 0xffffffffu;
    const int N = SSM_N;
    long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int n = (int)(tid % N);
    long long ch = tid / N;
    bool valid = ch < (long long)B * E;
    if (!valid) ch = 0;
    int b = (int)(ch / E), e = (int)(ch % E);
    float a2 = A[e * N + n] * 1.4426950408889634f, bias = dtbias[e], dsk = Dskip[e];
    float h = 0;
    long long row = (long long)b * L;
    int C = (L + N - 1) / N;
    for (int c = 0, t0 = 0; t0 < L; c++, t0 += N) {
        if (valid) ckpt[(((long long)b * C + c) * E + e) * N + n] = h;
        int steps = min(N, L - t0);
        bool mine = n < steps;
        long long rj = row + t0 + (mine ? n : 0);
        float dj = t_softplus(P::ld(dt, rj * E + e) + bias);
        float uj = P::ld(u, rj * E + e);
        float gj = t_silu(P::ld(z, rj * zs + e));
        float yj = 0.0f;
        long long bc0 = (row + t0) * S + R;
        auto step = [&](int j) {
            float d = __shfl_sync(all, dj, j, N), uu = __shfl_sync(all, uj, j, N);
            long long bc = bc0 + (long long)j * S;
            h = exp2f(d * a2) * h + d * P::ld(dbl, bc + n) * uu;
            float p = h * P::ld(dbl, bc + N + n);
#pragma unroll
            for (int o = N >> 1; o > 0; o >>= 1) p += __shfl_xor_sync(all, p, o, N);
            if (n == j) yj = p;
        };
        if (steps == N) { // whole chunks unrolled: the loads of all N steps go out together
#pragma unroll
            for (int j = 0; j < N; j++) step(j);
        } else {
            for (int j = 0; j < steps; j++) step(j);
        }
        if (mine && valid) P::st(y, rj * E + e, (yj + dsk * uj) * gj);
    }
}

// scan_bwd_t is the fused backward of scan_fwd_t for the upstream
// gradient dy, one (batch, channel) per group of N threads as the forward,
// CPB channels of one batch per block (grid (⌈E/CPB⌉, B)). Per chunk of N
// steps from the last, the group recomputes the chunk's states from the
// checkpoint into shared memory (never (B, L, E, N) in global memory) and
// runs the reverse-time recurrence
//
//   dh_t = C_t·g_t + exp(Δ_{t+1}A)·dh_{t+1},   g_t = dy_t·SiLU(z_t),
//
// with dC_t = Σ_e g_t·h_t, dB_t = Σ_e dh_t·Δ_t·u_t, du_t = D·g_t + Σ_n dh_t·Δ_t·B_t,
// dΔ_t = Σ_n dh_t·(B_t·u_t + A·exp(Δ_t·A)·h_{t−1}), dA += dh_t·Δ_t·exp(Δ_t·A)·h_{t−1},
// dD += g_t·u_t, dz_t = dy_t·(C·h_t + D·u_t)·SiLU'(z_t), and through the
// softplus d dt = dΔ·σ(dt + bias) = d bias. du, d dt and dz are written
// (type P; dz with row stride zs); dB and dC are summed over the block's
// channels into pBC[blk, b, t, 0:2N] ((⌈E/CPB⌉, B, L, 2N), reduced by
// scan_bc_reduce); dA_log = dA·A, dD and d bias are added to the fp32
// gradients (null when frozen).
template <class P>
__device__ void scan_bwd_t(typename P::T *du, typename P::T *ddt, typename P::T *dz, float *pBC, float *gAlog,
                           float *gD, float *gBias, const typename P::T *dy, const float *ckpt,
                           const typename P::T *u, const typename P::T *dt, const float *dtbias, const typename P::T *z,
                           int zs, const typename P::T *dbl, int S, int R, const float *A, const float *Dskip, int B,
                           int L, int E) {
    const unsigned all = 0xffffffffu;
    const int N = SSM_N;
    __shared__ float hs[CPB][SSM_N + 1][SSM_N]; // states h_{t0−1} … h_{t0+N−1} of each channel
    __shared__ float red[CPB][SSM_N][2 * SSM_N]; // dB | dC of each channel, step and state
    int c_in = threadIdx.x / N, n = threadIdx.x % N;
    int b = blockIdx.y, e = blockIdx.x * CPB + c_in;
    bool valid = e < E;
    int ee = valid ? e : 0;
    float Av = A[ee * N + n], a2 = Av * 1.4426950408889634f, bias = dtbias[ee], dsk = Dskip[ee];
    float dh = 0, dA = 0, dDacc = 0, dBias = 0;
    long long row = (long long)b * L;
    int C = (L + N - 1) / N;
    for (int c = C - 1; c >= 0; c--) {
        int t0 = c * N;
        int steps = min(N, L - t0);
        bool mine = n < steps;
        long long rj = row + t0 + (mine ? n : 0);
        float xdt = P::ld(dt, rj * E + ee) + bias;
        float dj = t_softplus(xdt), uj = P::ld(u, rj * E + ee), zj = P::ld(z, rj * zs + ee);
        float dyj = P::ld(dy, rj * E + ee);
        float gj = dyj * t_silu(zj); // d ypre
        long long bc0 = (row + t0) * S + R;
        // recompute the chunk's states from its checkpoint
        float h = valid ? ckpt[(((long long)b * C + c) * E + e) * N + n] : 0.0f;
        hs[c_in][0][n] = h;
        auto fwd = [&](int j) {
            float d = __shfl_sync(all, dj, j, N), uu = __shfl_sync(all, uj, j, N);
            h = exp2f(d * a2) * h + d * P::ld(dbl, bc0 + (long long)j * S + n) * uu;
            hs[c_in][j + 1][n] = h;
        };
        if (steps == N) {
#pragma unroll
            for (int j = 0; j < N; j++) fwd(j);
        } else {
            for (int j = 0; j < steps; j++) fwd(j);
        }
        float duj = 0, ddj = 0, ypj = 0;
        auto bwd = [&](int j) {
            float d = __shfl_sync(all, dj, j, N), uu = __shfl_sync(all, uj, j, N), g = __shfl_sync(all, gj, j, N);
            long long bc = bc0 + (long long)j * S;
            float Bn = P::ld(dbl, bc + n), Cn = P::ld(dbl, bc + N + n);
            float ht = hs[c_in][j + 1][n], hp = hs[c_in][j][n];
            float ea = exp2f(d * a2);
            dh += g * Cn;
            red[c_in][j][N + n] = valid ? g * ht : 0.0f;
            red[c_in][j][n] = valid ? dh * d * uu : 0.0f;
            dA += dh * d * ea * hp;
            float p1 = Cn * ht, p2 = dh * d * Bn, p3 = dh * (Bn * uu + Av * ea * hp);
#pragma unroll
            for (int o = N >> 1; o > 0; o >>= 1) {
                p1 += __shfl_xor_sync(all, p1, o, N);
                p2 += __shfl_xor_sync(all, p2, o, N);
                p3 += __shfl_xor_sync(all, p3, o, N);
            }
            if (n == j) ypj = p1, duj = p2, ddj = p3;
            dh *= ea;
        };
        if (steps == N) {
#pragma unroll
            for (int j = N - 1; j >= 0; j--) bwd(j);
        } else {
            for (int j = steps - 1; j >= 0; j--) bwd(j);
        }
        if (mine && valid) {
            float ypre = ypj + dsk * uj;
            P::st(dz, rj * zs + e, dyj * ypre * t_dsilu(zj));
            P::st(du, rj * E + e, gj * dsk + duj);
            float g = ddj * t_dsoftplus(xdt);
            P::st(ddt, rj * E + e, g);
            dBias += g;
            dDacc += gj * uj;
        }
        __syncthreads();
        // sum dB, dC over the block's channels: thread i covers entries i, i + blockDim…
        for (int i = threadIdx.x; i < steps * 2 * N; i += blockDim.x) {
            int j = i / (2 * N), k = i % (2 * N);
            float s = 0;
            for (int q = 0; q < CPB; q++) s += red[q][j][k];
            pBC[(((long long)blockIdx.x * B + b) * L + t0 + j) * 2 * N + k] = s;
        }
        __syncthreads();
    }
    for (int o = N >> 1; o > 0; o >>= 1) {
        dDacc += __shfl_xor_sync(all, dDacc, o, N);
        dBias += __shfl_xor_sync(all, dBias, o, N);
    }
    if (!valid) return;
    if (gAlog) atomicAdd(&gAlog[e * N + n], dA * Av);
    if (n == 0 && gD) atomicAdd(&gD[e], dDacc);
    if (n == 0 && gBias) atomicAdd(&gBias[e], dBias);
}

// scan_bc_reduce_t: ddbl[b, t, R + k] = Σ_blk pBC[blk, b, t, k] for the 2N
// columns dB | dC (row stride S), one thread per (row, k).
template <class P>
__device__ void scan_bc_reduce_t(typename P::T *ddbl, const float *pBC, int S, int R, long long rows, int nblk) {
    const int N2 = 2 * SSM_N;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows * N2) return;
    long long r = i / N2;
    int k = (int)(i % N2);
    float s = 0;
    for (int q = 0; q < nblk; q++) s += pBC[((long long)q * rows + r) * N2 + k];
    P::st(ddbl, r * S + R + k, s);
}

#define SCANK(P, s)                                                                                           \
    extern "C" __global__ void scan_fwd_##s(P::T *y, float *ckpt, const P::T *u, const P::T *dt,              \
                                            const float *dtbias, const P::T *z, int zs, const P::T *dbl, int S,   \
                                            int R, const float *A, const float *Dskip, int B, int L, int E) {     \
        scan_fwd_t<P>(y, ckpt, u, dt, dtbias, z, zs, dbl, S, R, A, Dskip, B, L, E);                           \
    }                                                                                                         \
    extern "C" __global__ void scan_bwd_##s(P::T *du, P::T *ddt, P::T *dz, float *pBC, float *gAlog,          \
                                            float *gD, float *gBias, const P::T *dy, const float *ckpt,       \
                                            const P::T *u, const P::T *dt, const float *dtbias, const P::T *z, \
                                            int zs, const P::T *dbl, int S, int R, const float *A,            \
                                            const float *Dskip, int B, int L, int E) {                        \
        scan_bwd_t<P>(du, ddt, dz, pBC, gAlog, gD, gBias, dy, ckpt, u, dt, dtbias, z, zs, dbl, S, R, A, Dskip, B, \
                      L, E);                                                                                  \
    }                                                                                                         \
    extern "C" __global__ void scan_bc_reduce_##s(P::T *ddbl, const float *pBC, int S, int R, long long rows,  \
                                                  int nblk) {                                                 \
        scan_bc_reduce_t<P>(ddbl, pBC, S, R, rows, nblk);                                                     \
    }
INSTANTIATE3(SCANK)

// add2_t: out = a + b for fp32 out and a, b of type P (the residual stream
// after a layer: its input plus the mixer's output).
#define ADD2(P, s)                                                                                            \
    extern "C" __global__ void add2_##s(float *out, const float *a, const P::T *b, long long n) {             \
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                       \
        if (i < n) out[i] = a[i] + P::ld(b, i);                                                               \
    }
INSTANTIATE3(ADD2)
