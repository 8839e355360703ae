// GPT-NeoX kernels, forward and backward, each a template over the storage
// type P of the 16-bit-able activations (the prelude's F32, BF16 or FP16) and
// instantiated as name_f32, name_bf16 and name_f16. The residual stream,
// LayerNorm statistics, the attention's log-sum-exp and every parameter
// gradient are fp32; the autocast policy of the CPU model (models/transformer's
// doc) decides which tensors are P: LayerNorm outputs (the matmuls' rounded
// operands), the projections, GELU's output, the attention output and the
// gradients reaching them. The CPU model is the specification.
//
// HD (the head size) is a compile-time constant: module.go compiles this file
// once per head size with -DHD=<size>.

#ifndef HD
#define HD 64
#endif

#define NX_NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// nx_block_sum2 sums a and b over the block (blockDim.x a multiple of 32).
__device__ void nx_block_sum2(float &a, float &b) {
    __shared__ float pa[32], pb[32];
    a = warp_sum(a);
    b = warp_sum(b);
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) { pa[w] = a; pb[w] = b; }
    __syncthreads();
    a = lane < nw ? pa[lane] : 0.0f;
    b = lane < nw ? pb[lane] : 0.0f;
    a = warp_sum(a);
    b = warp_sum(b);
}
__device__ double nx_block_sum_d(double v) {
    __shared__ double pd[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) pd[w] = v;
    __syncthreads();
    v = lane < nw ? pd[lane] : 0.0;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ float nx_block_max(float v) {
    __shared__ float pm[32];
    v = warp_max(v);
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) pm[w] = v;
    __syncthreads();
    v = lane < nw ? pm[lane] : NX_NEG_INF;
    return warp_max(v);
}

// Each kernel body is a template; INST declares its three entry points.
// In args, ST is the storage type of the instantiation.
#define INST(name, params, args)                                                   \
    extern "C" __global__ void name##_f32 params { typedef F32 S; name<S> args; }  \
    extern "C" __global__ void name##_bf16 params { typedef BF16 S; name<S> args; } \
    extern "C" __global__ void name##_f16 params { typedef FP16 S; name<S> args; }
#define PT typename P::T
#define ST S::T

// ---------------------------------------------------------------- elementwise

// nx_to: y = x rounded to P (weights' 16-bit copies; 1s for bias sums).
template <class P> __device__ void nx_to(PT *y, const float *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) P::st(y, i, x[i]);
}
#define A_TO (void *y, const float *x, long long n)
INST(nx_to, A_TO, ((ST *)y, x, n))

// nx_from: y = x widened to fp32.
template <class P> __device__ void nx_from(float *y, const PT *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = P::ld(x, i);
}
INST(nx_from, (float *y, const void *x, long long n), (y, (const ST *)x, n))

// nx_embed: x[r, :] = W[ids[r], :] (fp32 residual stream).
extern "C" __global__ void nx_embed(float *x, const int *ids, const float *W, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    int r = (int)(i / D), c = (int)(i % D);
    x[i] = W[(long long)ids[r] * D + c];
}

// nx_embed_bwd: gW[ids[r], :] += dx[r, :] (atomics: rows of one token add up
// in any order).
extern "C" __global__ void nx_embed_bwd(float *gW, const int *ids, const float *dx, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    int r = (int)(i / D), c = (int)(i % D);
    atomicAdd(gW + (long long)ids[r] * D + c, dx[i]);
}

// nx_bias: y[r, c] = rnd(y + rnd(b[c])) (nn.Linear's bias under autocast).
template <class P> __device__ void nx_bias(PT *y, const float *b, long long n, int W) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n * W) P::st(y, i, P::ld(y, i) + P::rnd(b[i % W]));
}
INST(nx_bias, (void *y, const float *b, long long n, int W), ((ST *)y, b, n, W))

__device__ __forceinline__ float gelu(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }

// nx_gelu: y = GELU(x) (exact erf form), rounded to P.
template <class P> __device__ void nx_gelu(PT *y, const PT *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) P::st(y, i, gelu(P::ld(x, i)));
}
INST(nx_gelu, (void *y, const void *x, long long n), ((ST *)y, (const ST *)x, n))

// nx_gelu_bwd: dx = dy·(Φ(x) + x·φ(x)), rounded to P (dx may be dy).
template <class P> __device__ void nx_gelu_bwd(PT *dx, const PT *dy, const PT *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = P::ld(x, i);
    float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
    float pdf = 0.3989422804014327f * expf(-0.5f * v * v);
    P::st(dx, i, P::ld(dy, i) * (cdf + v * pdf));
}
INST(nx_gelu_bwd, (void *dx, const void *dy, const void *x, long long n), ((ST *)dx, (const ST *)dy, (const ST *)x, n))

// nx_residual: y = rnd(a + b) + x with b, or a + x without (fp32 y and x;
// HF's parallel residual mlp_output + attn_output + hidden_states, the first
// sum a 16-bit tensor). y may be x.
template <class P> __device__ void nx_residual(float *y, const PT *a, const PT *b, const float *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s = b ? P::rnd(P::ld(a, i) + P::ld(b, i)) : P::ld(a, i);
    y[i] = s + x[i];
}
INST(nx_residual, (float *y, const void *a, const void *b, const float *x, long long n),
     (y, (const ST *)a, (const ST *)b, x, n))

// ---------------------------------------------------------------- LayerNorm

// nx_ln: y = ((x − mean)·rstd)·w + b per row of D, one block per row, the
// mean first, then the squared deviations from it (nn.LayerNorm); y is P,
// mean and rstd (nullable) are kept for the backward.
template <class P>
__device__ void nx_ln(PT *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int D, float eps) {
    long long r0 = (long long)blockIdx.x * D;
    const float *xr = x + r0;
    float s = 0, unused = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) s += xr[i];
    nx_block_sum2(s, unused);
    float mu = s / (float)D;
    float q = 0;
    unused = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) { float d = xr[i] - mu; q += d * d; }
    nx_block_sum2(q, unused);
    float rs = (float)(1.0 / sqrt((double)(q / (float)D) + (double)eps));
    if (threadIdx.x == 0 && mean) { mean[blockIdx.x] = mu; rstd[blockIdx.x] = rs; }
    for (int i = threadIdx.x; i < D; i += blockDim.x) P::st(y, r0 + i, ((xr[i] - mu) * rs) * w[i] + (b ? b[i] : 0.0f));
}
INST(nx_ln, (void *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int D, float eps),
     ((ST *)y, mean, rstd, x, w, b, D, eps))

// nx_ln_bwd: with x̂ = (x − mean)·rstd and g = dy⊙w,
// dx = rstd·(g − mean(g) − x̂·mean(g⊙x̂)) + add (add nullable; dx may be add),
// for LN_ROWS rows per block of 256 threads; the block's partial sums of
// dy⊙x̂ (the weight's gradient) and dy (the bias's) go to part[block, 2D],
// summed over blocks in order by nx_ln_wsum, so the result is deterministic.
// D ≤ 256·LN_COLS.
#define LN_ROWS 32
#define LN_COLS 16
template <class P>
__device__ void nx_ln_bwd(float *dx, const float *add, float *part, const PT *dy, const float *x, const float *mean,
                          const float *rstd, const float *w, int n, int D) {
    float pw[LN_COLS], pb[LN_COLS];
#pragma unroll
    for (int k = 0; k < LN_COLS; k++) { pw[k] = 0; pb[k] = 0; }
    int r1 = min(n, (int)(blockIdx.x + 1) * LN_ROWS);
    for (int r = blockIdx.x * LN_ROWS; r < r1; r++) {
        long long o = (long long)r * D;
        float mu = mean[r], s = rstd[r];
        float xh[LN_COLS], g[LN_COLS];
        float a1 = 0, a2 = 0;
#pragma unroll
        for (int k = 0; k < LN_COLS; k++) {
            int c = threadIdx.x + k * 256;
            xh[k] = 0;
            g[k] = 0;
            if (c < D) {
                float d = P::ld(dy, o + c);
                xh[k] = (x[o + c] - mu) * s;
                g[k] = d * w[c];
                a1 += g[k];
                a2 += g[k] * xh[k];
                pw[k] += d * xh[k];
                pb[k] += d;
            }
        }
        nx_block_sum2(a1, a2);
        float mg = a1 / (float)D, mgx = a2 / (float)D;
        if (dx) {
#pragma unroll
            for (int k = 0; k < LN_COLS; k++) {
                int c = threadIdx.x + k * 256;
                if (c < D) dx[o + c] = s * (g[k] - mg - xh[k] * mgx) + (add ? add[o + c] : 0.0f);
            }
        }
    }
    float *pr = part + (long long)blockIdx.x * 2 * D;
#pragma unroll
    for (int k = 0; k < LN_COLS; k++) {
        int c = threadIdx.x + k * 256;
        if (c < D) { pr[c] = pw[k]; pr[D + c] = pb[k]; }
    }
}
INST(nx_ln_bwd, (float *dx, const float *add, float *part, const void *dy, const float *x, const float *mean,
                 const float *rstd, const float *w, int n, int D),
     (dx, add, part, (const ST *)dy, x, mean, rstd, w, n, D))

// nx_ln_wsum: gw[c] += Σ_blk part[blk, c], gb[c] += Σ_blk part[blk, D + c]
// (each nullable: frozen parameters).
extern "C" __global__ void nx_ln_wsum(float *gw, float *gb, const float *part, int nblk, int D) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= 2 * D) return;
    float *g = c < D ? gw : gb;
    if (!g) return;
    float s = 0;
    for (int k = 0; k < nblk; k++) s += part[(long long)k * 2 * D + c];
    g[c < D ? c : c - D] += s;
}

// ---------------------------------------------------------------- rotary

// nx_rotary rotates, in place, the first R entries of q and k of every head in
// the fused projection qkv (n rows of 3·H·HD; head h's q, k, v are HD-blocks
// at h·3HD) by the angle t·inv[i] of pair i at position t (fp32, as HF), its
// cosine and sine in double rounded to float (the CPU tables); sign −1
// rotates backwards (the gradient). One thread per (row, head, pair, q-or-k).
template <class P> __device__ void nx_rotary(PT *qkv, const float *inv, int n, int T, int H, int R, float sign) {
    int h2 = R / 2;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * H * h2 * 2) return;
    int which = (int)(i % 2);
    long long j = i / 2;
    int p = (int)(j % h2);
    j /= h2;
    int h = (int)(j % H);
    long long r = j / H;
    int t = (int)(r % T);
    float a = inv[p] * (float)t;
    float c = (float)cos((double)a), s = sign * (float)sin((double)a);
    long long o = r * 3 * H * HD + (long long)h * 3 * HD + which * HD;
    float x1 = P::ld(qkv, o + p), x2 = P::ld(qkv, o + p + h2);
    P::st(qkv, o + p, x1 * c - x2 * s);
    P::st(qkv, o + p + h2, x2 * c + x1 * s);
}
INST(nx_rotary, (void *qkv, const float *inv, int n, int T, int H, int R, float sign),
     ((ST *)qkv, inv, n, T, H, R, sign))

// ---------------------------------------------------------------- attention
//
// Causal softmax attention, flash-style: no (T, T) tensor anywhere. A block
// of NW warps takes QB consecutive queries (or keys, in the dK/dV pass) of
// one (batch, head); the other side streams through shared memory in tiles
// of 32, lane l of a warp owning row l of the tile for the dot products and
// head dims l, l+32, ... for the accumulators. Everything inside is fp32;
// q, k, v, the output and the gradients are P. The forward keeps the
// log-sum-exp of each query's scaled scores; the backward recomputes the
// probabilities from it (FlashAttention-2).
#define NW 8
#define EPL ((HD + 31) / 32)
#define QB (HD <= 64 ? 32 : 8)
#define QPW (QB / NW)
#define HDP (HD + 1)

// head h of row (b, t) in qkv: q at +0, k at +HD, v at +2HD.
#define QKV_AT(b, t, h, T, H) (((long long)(b) * (T) + (t)) * 3 * (H) * HD + (long long)(h) * 3 * HD)
#define OUT_AT(b, t, h, T, H) (((long long)(b) * (T) + (t)) * (H) * HD + (long long)(h) * HD)

template <class P>
__device__ void nx_attn(PT *out, float *lse, const PT *qkv, int B, int T, int H, float scale) {
    __shared__ float ks[32][HDP], vs[32][HDP];
    __shared__ float qs[QB][HD];
    __shared__ float ps[NW][32];
    int nqb = (T + QB - 1) / QB;
    int bh = blockIdx.x / nqb, q0 = (blockIdx.x % nqb) * QB;
    int b = bh / H, h = bh % H;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    for (int e = threadIdx.x; e < QB * HD; e += blockDim.x) {
        int r = e / HD, j = e % HD, t = q0 + r;
        qs[r][j] = t < T ? P::ld(qkv, QKV_AT(b, t, h, T, H) + j) : 0.0f;
    }
    float acc[QPW][EPL], m[QPW], l[QPW];
#pragma unroll
    for (int i = 0; i < QPW; i++) {
        m[i] = NX_NEG_INF;
        l[i] = 0;
#pragma unroll
        for (int e = 0; e < EPL; e++) acc[i][e] = 0;
    }
    int last = min(T, q0 + QB);
    for (int k0 = 0; k0 < last; k0 += 32) {
        __syncthreads();
        for (int e = threadIdx.x; e < 32 * HD; e += blockDim.x) {
            int kk = e / HD, j = e % HD, s = k0 + kk;
            long long o = QKV_AT(b, s, h, T, H);
            ks[kk][j] = s < T ? P::ld(qkv, o + HD + j) : 0.0f;
            vs[kk][j] = s < T ? P::ld(qkv, o + 2 * HD + j) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < QPW; i++) {
            int r = w + i * NW, t = q0 + r;
            if (t >= T || k0 > t) continue; // warp-uniform
            float d = 0;
#pragma unroll 16
            for (int j = 0; j < HD; j++) d += qs[r][j] * ks[lane][j];
            float sc = k0 + lane <= t ? d * scale : NX_NEG_INF;
            float mn = fmaxf(m[i], warp_max(sc));
            float p = expf(sc - mn), corr = expf(m[i] - mn);
            l[i] = l[i] * corr + warp_sum(p);
            m[i] = mn;
            ps[w][lane] = p;
            __syncwarp();
            int nk = min(32, t - k0 + 1);
#pragma unroll
            for (int e = 0; e < EPL; e++) acc[i][e] *= corr;
            for (int kk = 0; kk < nk; kk++) {
                float pk = ps[w][kk];
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int j = lane + 32 * e;
                    if (j < HD) acc[i][e] += pk * vs[kk][j];
                }
            }
            __syncwarp();
        }
    }
#pragma unroll
    for (int i = 0; i < QPW; i++) {
        int t = q0 + w + i * NW;
        if (t >= T) continue;
        float inv = 1.0f / l[i];
        long long o = OUT_AT(b, t, h, T, H);
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int j = lane + 32 * e;
            if (j < HD) P::st(out, o + j, acc[i][e] * inv);
        }
        if (lse && lane == 0) lse[(long long)bh * T + t] = m[i] + logf(l[i]);
    }
}
#define A_ATTN (void *out, float *lse, const void *qkv, int B, int T, int H, float scale)
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_f32 A_ATTN { nx_attn<F32>((float *)out, lse, (const float *)qkv, B, T, H, scale); }
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_bf16 A_ATTN { nx_attn<BF16>((unsigned short *)out, lse, (const unsigned short *)qkv, B, T, H, scale); }
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_f16 A_ATTN { nx_attn<FP16>((unsigned short *)out, lse, (const unsigned short *)qkv, B, T, H, scale); }

// nx_attn_dsum: dsum[b, h, t] = Σ_j dout[b, t, h, j]·out[b, t, h, j], one warp
// per (b, t, h) (the rowsum(dP⊙P) of the softmax backward).
template <class P> __device__ void nx_attn_dsum(float *dsum, const PT *dout, const PT *out, int B, int T, int H) {
    long long wi = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (wi >= (long long)B * T * H) return;
    int h = (int)(wi % H);
    long long bt = wi / H;
    int b = (int)(bt / T), t = (int)(bt % T);
    long long o = OUT_AT(b, t, h, T, H);
    float s = 0;
    for (int j = lane; j < HD; j += 32) s += P::ld(dout, o + j) * P::ld(out, o + j);
    s = warp_sum(s);
    if (lane == 0) dsum[((long long)b * H + h) * T + t] = s;
}
INST(nx_attn_dsum, (float *dsum, const void *dout, const void *out, int B, int T, int H),
     (dsum, (const ST *)dout, (const ST *)out, B, T, H))

// nx_attn_dq writes dq (into the q slots of dqkv) for QB queries per block:
// for each key s ≤ t, p = exp(q·k·scale − lse), dp = dout·v,
// ds = p·(dp − dsum)·scale, dq += ds·k.
template <class P>
__device__ void nx_attn_dq(PT *dqkv, const PT *qkv, const PT *dout, const float *lse, const float *dsum, int B, int T,
                           int H, float scale) {
    __shared__ float ks[32][HDP], vs[32][HDP];
    __shared__ float qs[QB][HD], dos[QB][HD];
    __shared__ float ps[NW][32];
    int nqb = (T + QB - 1) / QB;
    int bh = blockIdx.x / nqb, q0 = (blockIdx.x % nqb) * QB;
    int b = bh / H, h = bh % H;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    for (int e = threadIdx.x; e < QB * HD; e += blockDim.x) {
        int r = e / HD, j = e % HD, t = q0 + r;
        qs[r][j] = t < T ? P::ld(qkv, QKV_AT(b, t, h, T, H) + j) : 0.0f;
        dos[r][j] = t < T ? P::ld(dout, OUT_AT(b, t, h, T, H) + j) : 0.0f;
    }
    float dq[QPW][EPL], L[QPW], Ds[QPW];
#pragma unroll
    for (int i = 0; i < QPW; i++) {
        int t = q0 + w + i * NW;
        L[i] = t < T ? lse[(long long)bh * T + t] : 0.0f;
        Ds[i] = t < T ? dsum[(long long)bh * T + t] : 0.0f;
#pragma unroll
        for (int e = 0; e < EPL; e++) dq[i][e] = 0;
    }
    int last = min(T, q0 + QB);
    for (int k0 = 0; k0 < last; k0 += 32) {
        __syncthreads();
        for (int e = threadIdx.x; e < 32 * HD; e += blockDim.x) {
            int kk = e / HD, j = e % HD, s = k0 + kk;
            long long o = QKV_AT(b, s, h, T, H);
            ks[kk][j] = s < T ? P::ld(qkv, o + HD + j) : 0.0f;
            vs[kk][j] = s < T ? P::ld(qkv, o + 2 * HD + j) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < QPW; i++) {
            int r = w + i * NW, t = q0 + r;
            if (t >= T || k0 > t) continue;
            float d = 0, dp = 0;
#pragma unroll 16
            for (int j = 0; j < HD; j++) {
                d += qs[r][j] * ks[lane][j];
                dp += dos[r][j] * vs[lane][j];
            }
            float p = k0 + lane <= t ? expf(d * scale - L[i]) : 0.0f;
            ps[w][lane] = p * (dp - Ds[i]) * scale;
            __syncwarp();
            int nk = min(32, t - k0 + 1);
            for (int kk = 0; kk < nk; kk++) {
                float g = ps[w][kk];
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int j = lane + 32 * e;
                    if (j < HD) dq[i][e] += g * ks[kk][j];
                }
            }
            __syncwarp();
        }
    }
#pragma unroll
    for (int i = 0; i < QPW; i++) {
        int t = q0 + w + i * NW;
        if (t >= T) continue;
        long long o = QKV_AT(b, t, h, T, H);
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int j = lane + 32 * e;
            if (j < HD) P::st(dqkv, o + j, dq[i][e]);
        }
    }
}
#define A_DQ (void *dqkv, const void *qkv, const void *dout, const float *lse, const float *dsum, int B, int T, int H, float scale)
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dq_f32 A_DQ {
    nx_attn_dq<F32>((float *)dqkv, (const float *)qkv, (const float *)dout, lse, dsum, B, T, H, scale);
}
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dq_bf16 A_DQ {
    nx_attn_dq<BF16>((unsigned short *)dqkv, (const unsigned short *)qkv, (const unsigned short *)dout, lse, dsum, B, T, H, scale);
}
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dq_f16 A_DQ {
    nx_attn_dq<FP16>((unsigned short *)dqkv, (const unsigned short *)qkv, (const unsigned short *)dout, lse, dsum, B, T, H, scale);
}

// nx_attn_dkv writes dk and dv (into the k and v slots of dqkv) for QB keys
// per block, streaming the queries t ≥ s in tiles of 32:
// dv += p·dout_t, dk += ds·q_t.
template <class P>
__device__ void nx_attn_dkv(PT *dqkv, const PT *qkv, const PT *dout, const float *lse, const float *dsum, int B,
                            int T, int H, float scale) {
    __shared__ float qs[32][HDP], dos[32][HDP];
    __shared__ float kks[QB][HD], vvs[QB][HD];
    __shared__ float ls[32], dss[32];
    __shared__ float ps[NW][32], gs[NW][32];
    int nkb = (T + QB - 1) / QB;
    int bh = blockIdx.x / nkb, s0 = (blockIdx.x % nkb) * QB;
    int b = bh / H, h = bh % H;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    for (int e = threadIdx.x; e < QB * HD; e += blockDim.x) {
        int r = e / HD, j = e % HD, s = s0 + r;
        long long o = QKV_AT(b, s, h, T, H);
        kks[r][j] = s < T ? P::ld(qkv, o + HD + j) : 0.0f;
        vvs[r][j] = s < T ? P::ld(qkv, o + 2 * HD + j) : 0.0f;
    }
    float dk[QPW][EPL], dv[QPW][EPL];
#pragma unroll
    for (int i = 0; i < QPW; i++)
#pragma unroll
        for (int e = 0; e < EPL; e++) { dk[i][e] = 0; dv[i][e] = 0; }
    for (int t0 = (s0 / 32) * 32; t0 < T; t0 += 32) {
        __syncthreads();
        for (int e = threadIdx.x; e < 32 * HD; e += blockDim.x) {
            int tt = e / HD, j = e % HD, t = t0 + tt;
            qs[tt][j] = t < T ? P::ld(qkv, QKV_AT(b, t, h, T, H) + j) : 0.0f;
            dos[tt][j] = t < T ? P::ld(dout, OUT_AT(b, t, h, T, H) + j) : 0.0f;
        }
        if (threadIdx.x < 32) {
            int t = t0 + threadIdx.x;
            ls[threadIdx.x] = t < T ? lse[(long long)bh * T + t] : 0.0f;
            dss[threadIdx.x] = t < T ? dsum[(long long)bh * T + t] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int i = 0; i < QPW; i++) {
            int r = w + i * NW, s = s0 + r;
            if (s >= T || t0 + 31 < s) continue; // warp-uniform
            int t = t0 + lane;
            float d = 0, dp = 0;
#pragma unroll 16
            for (int j = 0; j < HD; j++) {
                d += qs[lane][j] * kks[r][j];
                dp += dos[lane][j] * vvs[r][j];
            }
            float p = (t < T && t >= s) ? expf(d * scale - ls[lane]) : 0.0f;
            ps[w][lane] = p;
            gs[w][lane] = p * (dp - dss[lane]) * scale;
            __syncwarp();
            int tl = max(0, s - t0); // queries before s see no key s
            int th = min(32, T - t0);
            for (int tt = tl; tt < th; tt++) {
                float pp = ps[w][tt], g = gs[w][tt];
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int j = lane + 32 * e;
                    if (j < HD) {
                        dv[i][e] += pp * dos[tt][j];
                        dk[i][e] += g * qs[tt][j];
                    }
                }
            }
            __syncwarp();
        }
    }
#pragma unroll
    for (int i = 0; i < QPW; i++) {
        int s = s0 + w + i * NW;
        if (s >= T) continue;
        long long o = QKV_AT(b, s, h, T, H);
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int j = lane + 32 * e;
            if (j < HD) {
                P::st(dqkv, o + HD + j, dk[i][e]);
                P::st(dqkv, o + 2 * HD + j, dv[i][e]);
            }
        }
    }
}
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dkv_f32 A_DQ {
    nx_attn_dkv<F32>((float *)dqkv, (const float *)qkv, (const float *)dout, lse, dsum, B, T, H, scale);
}
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dkv_bf16 A_DQ {
    nx_attn_dkv<BF16>((unsigned short *)dqkv, (const unsigned short *)qkv, (const unsigned short *)dout, lse, dsum, B, T, H, scale);
}
extern "C" __global__ void __launch_bounds__(NW * 32) nx_attn_dkv_f16 A_DQ {
    nx_attn_dkv<FP16>((unsigned short *)dqkv, (const unsigned short *)qkv, (const unsigned short *)dout, lse, dsum, B, T, H, scale);
}

// ---------------------------------------------------------------- loss

// nx_ce: loss[r] = logsumexp(logits[r]) − logits[r, t] for the row's target
// t (0 where t < 0), one block per row, the exponentials summed in double
// as the CPU loss does. With grad, the row is overwritten by its gradient
// (softmax − onehot(t))·gscale (zeros where t < 0): the mean loss's
// gradient with gscale = 1/rows counted, llm.c's fused classifier.
template <class P> __device__ void nx_ce(double *loss, PT *logits, const int *targets, int V, float gscale, int grad) {
    int t = targets[blockIdx.x];
    long long r0 = (long long)blockIdx.x * V;
    if (t < 0) {
        if (threadIdx.x == 0) loss[blockIdx.x] = 0;
        if (grad)
            for (int i = threadIdx.x; i < V; i += blockDim.x) P::st(logits, r0 + i, 0.0f);
        return;
    }
    float m = NX_NEG_INF;
    for (int i = threadIdx.x; i < V; i += blockDim.x) m = fmaxf(m, P::ld(logits, r0 + i));
    m = nx_block_max(m);
    double s = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) s += (double)expf(P::ld(logits, r0 + i) - m);
    s = nx_block_sum_d(s);
    float lt = P::ld(logits, r0 + t);
    __syncthreads(); // every thread has read logits[t] before any overwrites it
    if (threadIdx.x == 0) loss[blockIdx.x] = (double)m + log(s) - (double)lt;
    if (!grad) return;
    float inv = (float)(1.0 / s);
    for (int i = threadIdx.x; i < V; i += blockDim.x) {
        float p = expf(P::ld(logits, r0 + i) - m) * inv;
        P::st(logits, r0 + i, (p - (i == t ? 1.0f : 0.0f)) * gscale);
    }
}
INST(nx_ce, (double *loss, void *logits, const int *targets, int V, float gscale, int grad),
     (loss, (ST *)logits, targets, V, gscale, grad))
