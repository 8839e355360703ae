// The Mamba (v1) mixer's kernels: the causal depthwise conv with SiLU, and
// the selective scan (Gu & Dao 2023, Alg. 2) with the D skip and the SiLU(z)
// gate fused. The CPU mixer (models/mamba) is the specification.

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

// softplus as PyTorch's (threshold 20: above it, the input itself).
__device__ __forceinline__ float softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// conv_silu: u[b,t,e] = SiLU(bias[e] + Σ_k w[e,k]·x[b, t−(K−1)+k, e]), x read
// with row stride xs (the x half of in_proj's output x | z), zero before
// the sequence start. One thread per output element, launched as a grid of
// (B·L, ⌈E/block⌉) blocks. Under bf16 (autocast
// conv) the weights and bias are rounded, the conv output is rounded and
// so is SiLU's, as in models/nn.
template <class P>
__device__ void conv_silu(typename P::T *u, const typename P::T *x, int xs, const float *w, const float *bias,
                          int B, int L, int E, int K) {
    long long bt = blockIdx.x; // one row (batch, step) per grid column, channels along y
    int e = blockIdx.y * blockDim.x + threadIdx.x;
    if (e >= E) return;
    int t = (int)(bt % L);
    float acc = bias ? P::rnd(bias[e]) : 0.0f;
    for (int k = 0; k < K; k++) {
        int s = t - (K - 1) + k;
        if (s >= 0) acc += P::rnd(w[e * K + k]) * P::ld(x, (bt - t + s) * xs + e);
    }
    P::st(u, bt * E + e, silu(P::rnd(acc)));
}
extern "C" __global__ void conv_silu_fwd(float *u, const float *x, int xs, const float *w, const float *bias,
                                         int B, int L, int E, int K) {
    conv_silu<F32>(u, x, xs, w, bias, B, L, E, K);
}
extern "C" __global__ void conv_silu_fwd_bf16(unsigned short *u, const unsigned short *x, int xs, const float *w,
                                              const float *bias, int B, int L, int E, int K) {
    conv_silu<BF16>(u, x, xs, w, bias, B, L, E, K);
}

// selective_scan_fwd runs the recurrence of one (batch, channel) per group
// of N consecutive threads, one state element h_n per thread, kept in a
// register for the whole sequence (never written out):
//
//   Δ = softplus(dt + bias),  h_n ← exp(Δ·A_n)·h_n + Δ·B_n·u,
//   y = (Σ_n C_n·h_n + D·u) · SiLU(z)
//
// N (SSM_N, fixed at compile time) must be a power of two ≤ 32, so a group
// lies inside one warp and the sum over n is a shuffle reduction. The sequence goes in chunks of N
// steps: lane j of a group loads dt, u and z of step t0+j and computes its
// Δ and SiLU(z) once (not once per state element), the chunk's steps then
// take Δ and u from lane j by shuffle, and lane j keeps and writes y of its
// step. dbl is x_proj's output (dt | B | C, row stride S = R+2N); z is read
// from in_proj's output with stride zs. With delta non-null the step sizes
// are written too (B, L, E). Under bf16 the inputs and y are 16-bit
// tensors; everything inside runs in fp32 and only y is rounded (mamba_ssm's
// kernel).
#ifndef SSM_N
#define SSM_N 16 // the state size; module.go compiles this file with -DSSM_N=<N>
#endif

// scan_step advances one state element by one step and returns its share
// of y (the group's sum is taken by the caller).
template <class P>
__device__ __forceinline__ float scan_step(float &h, float d, float uu, float a2, const typename P::T *dbl, long long bc,
                                           int n) {
    h = exp2f(d * a2) * h + d * P::ld(dbl, bc + n) * uu; // exp(Δ·A) as 2^(Δ·A·log2 e), as mamba_ssm
    return h * P::ld(dbl, bc + SSM_N + n);
}

template <class P>
__device__ void selective_scan(typename P::T *y, float *delta, const typename P::T *u, const typename P::T *dt,
                               const float *dtbias, const typename P::T *z, int zs, const typename P::T *dbl,
                               int S, int R, const float *A, const float *Dskip, int B, int L, int E) {
    const unsigned all = 0xffffffffu;
    const int N = SSM_N;
    long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int n = (int)(tid % N);
    long long ch = tid / N;
    bool valid = ch < (long long)B * E;
    if (!valid) ch = 0; // idle groups still take part in the shuffles
    int b = (int)(ch / E), e = (int)(ch % E);
    float a2 = A[e * N + n] * 1.4426950408889634f, bias = dtbias[e], dsk = Dskip[e];
    float h = 0;
    long long row = (long long)b * L;
    for (int t0 = 0; t0 < L; t0 += N) {
        int steps = min(N, L - t0); // the same in every lane
        bool mine = n < steps;
        long long rj = row + t0 + (mine ? n : 0);
        float dj = softplus(P::ld(dt, rj * E + e) + bias);
        float uj = P::ld(u, rj * E + e);
        float gj = silu(P::ld(z, rj * zs + e));
        float yj = 0.0f;
        long long bc0 = (row + t0) * S + R;
        if (steps == N) { // whole chunks unrolled: the loads of all N steps go out together
#pragma unroll
            for (int j = 0; j < N; j++) {
                float p = scan_step<P>(h, __shfl_sync(all, dj, j, N), __shfl_sync(all, uj, j, N), a2, dbl, bc0 + j * S, n);
#pragma unroll
                for (int o = N >> 1; o > 0; o >>= 1) p += __shfl_xor_sync(all, p, o, N);
                if (n == j) yj = p;
            }
        } else {
            for (int j = 0; j < steps; j++) {
                float p = scan_step<P>(h, __shfl_sync(all, dj, j, N), __shfl_sync(all, uj, j, N), a2, dbl, bc0 + j * S, n);
                for (int o = N >> 1; o > 0; o >>= 1) p += __shfl_xor_sync(all, p, o, N);
                if (n == j) yj = p;
            }
        }
        if (mine && valid) {
            P::st(y, rj * E + e, (yj + dsk * uj) * gj);
            if (delta) delta[rj * E + e] = dj;
        }
    }
}
extern "C" __global__ void selective_scan_fwd(float *y, float *delta, const float *u, const float *dt,
                                              const float *dtbias, const float *z, int zs, const float *dbl,
                                              int S, int R, const float *A, const float *Dskip, int B, int L,
                                              int E) {
    selective_scan<F32>(y, delta, u, dt, dtbias, z, zs, dbl, S, R, A, Dskip, B, L, E);
}
extern "C" __global__ void selective_scan_fwd_bf16(unsigned short *y, float *delta, const unsigned short *u,
                                                   const unsigned short *dt, const float *dtbias,
                                                   const unsigned short *z, int zs, const unsigned short *dbl,
                                                   int S, int R, const float *A, const float *Dskip, int B, int L,
                                                   int E) {
    selective_scan<BF16>(y, delta, u, dt, dtbias, z, zs, dbl, S, R, A, Dskip, B, L, E);
}

// neg_exp: a = −exp(x) (A = −exp(A_log)).
extern "C" __global__ void neg_exp(float *a, const float *x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] = -expf(x[i]);
}
