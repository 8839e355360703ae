// Training kernels shared by every GPU model: the optimizer, the loss and
// its gradient, the fp16 finite check, 16-bit weight copies and the
// backward of the embedding and RMSNorm. Each templated kernel is
// instantiated for fp32, bf16 and fp16 activations (suffixes _f32, _bf16,
// _fp16; train.go picks one by the policy). Parameters, their gradients and
// the optimizer state are always fp32.

#define INSTANTIATE3(MACRO) MACRO(F32, f32) MACRO(BF16, bf16) MACRO(FP16, fp16)

__device__ float tr_block_sum(float v) {
    __shared__ float part[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) part[w] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? part[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ double tr_block_sum_d(double v) {
    __shared__ double partd[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) partd[w] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? partd[lane] : 0.0;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ float tr_block_max(float v) {
    __shared__ float partm[32];
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) partm[w] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    v = lane < nw ? partm[lane] : __int_as_float(0xff800000);
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// adamw: one torch.optim.AdamW step on n elements, in PyTorch's order (and
// models/optim's): w *= decay; m += (1−β1)(g − m); v = β2·v + (1−β2)·g²;
// w −= step · m / (√v / √(1−β2ᵗ) + eps). decay is 1 − lr·wd, or 1 for a
// parameter without weight decay. With h non-null the updated weight is
// also written as a 16-bit copy (kind 1 bf16, 2 fp16) for the next forward.
// gscale multiplies the gradient first (a clip_grad_norm_ coefficient, 1
// without clipping).
extern "C" __global__ void adamw(float *w, const float *g, float *m, float *v, long long n, float decay, float w1,
                                 float b2, float w2, float bc2sqrt, float eps, float step, unsigned short *h,
                                 int kind, float gscale) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x = w[i];
    if (decay != 1.0f) x *= decay;
    float gi = gscale != 1.0f ? g[i] * gscale : g[i];
    float mi = m[i] + w1 * (gi - m[i]);
    float vi = v[i] * b2 + w2 * gi * gi;
    float denom = sqrtf(vi) / bc2sqrt + eps;
    x -= step * mi / denom;
    m[i] = mi;
    v[i] = vi;
    w[i] = x;
    if (h) h[i] = kind == 2 ? f2h(x) : f2bf(x);
}

// sumsq adds Σ g² over n gradients to *acc (double; a block's partial
// sum in double, then one atomic per block): the global gradient norm of
// clip_grad_norm_.
extern "C" __global__ void sumsq(double *acc, const float *g, long long n) {
    double s = 0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        s += (double)g[i] * (double)g[i];
    s = tr_block_sum_d(s);
    if (threadIdx.x == 0) atomicAdd(acc, s);
}

// to_half rounds n floats to 16 bits (kind 1 bf16, 2 fp16).
extern "C" __global__ void to_half(unsigned short *h, const float *x, long long n, int kind) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) h[i] = kind == 2 ? f2h(x[i]) : f2bf(x[i]);
}

// from_half widens n 16-bit values (kind 1 bf16, 2 fp16) to float.
extern "C" __global__ void from_half(float *x, const unsigned short *h, long long n, int kind) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = kind == 2 ? h2f(h[i]) : bf2f(h[i]);
}

// unscale_check multiplies n gradients by inv (1/loss scale) in place and
// sets *flag to 1 when any result is Inf or NaN (GradScaler's
// unscale_ and found_inf, checked after unscaling as it does).
extern "C" __global__ void unscale_check(float *g, long long n, float inv, int *flag) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    bool bad = false;
    if (i < n) {
        float v = g[i] * inv;
        g[i] = v;
        bad = (__float_as_uint(v) & 0x7f800000u) == 0x7f800000u;
    }
    if (__any_sync(0xffffffffu, bad) && (threadIdx.x & 31) == 0) atomicExch(flag, 1);
}

// cross_entropy_fb: forward and backward of the mean cross-entropy, one
// block per row: loss[r] = logsumexp(x_r) − x_r[t] (double; 0 for a row
// whose target is negative) and, in place of the logits, the gradient
// (softmax(x_r) − onehot(t)) · scale / count (zero for skipped rows), with
// count the rows counted and scale the loss scale (1 outside fp16).
template <class P>
__device__ void cross_entropy_fb(double *loss, typename P::T *x, const int *targets, int V, float scale) {
    int t = targets[blockIdx.x];
    long long r0 = (long long)blockIdx.x * V;
    if (t < 0) {
        if (threadIdx.x == 0) loss[blockIdx.x] = 0;
        for (int i = threadIdx.x; i < V; i += blockDim.x) P::st(x, r0 + i, 0.0f);
        return;
    }
    float m = __int_as_float(0xff800000);
    for (int i = threadIdx.x; i < V; i += blockDim.x) m = fmaxf(m, P::ld(x, r0 + i));
    m = tr_block_max(m);
    double s = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) s += (double)expf(P::ld(x, r0 + i) - m);
    s = tr_block_sum_d(s);
    float xt = P::ld(x, r0 + t);
    __syncthreads(); // every thread has read x[t] before it is overwritten
    if (threadIdx.x == 0) loss[blockIdx.x] = (double)m + log(s) - (double)xt;
    float inv = (float)(1.0 / s);
    for (int i = threadIdx.x; i < V; i += blockDim.x) {
        float p = expf(P::ld(x, r0 + i) - m) * inv;
        P::st(x, r0 + i, (p - (i == t ? 1.0f : 0.0f)) * scale);
    }
}
#define CE(P, s)                                                                                              \
    extern "C" __global__ void cross_entropy_fb_##s(double *loss, P::T *x, const int *targets, int V,          \
                                                    float scale) {                                             \
        cross_entropy_fb<P>(loss, x, targets, V, scale);                                                       \
    }
INSTANTIATE3(CE)

// embedding_fwd_t: out[r, :] = W[ids[r], :] in fp32 (the residual stream).
extern "C" __global__ void embedding_fwd_t(float *out, const int *ids, const float *W, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    int r = (int)(i / D), c = (int)(i % D);
    out[i] = W[(long long)ids[r] * D + c];
}

// embedding_bwd: dW[ids[r], :] += dx[r, :] (atomics: a token may repeat).
extern "C" __global__ void embedding_bwd(float *dW, const int *ids, const float *dx, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    int r = (int)(i / D), c = (int)(i % D);
    atomicAdd(&dW[(long long)ids[r] * D + c], dx[i]);
}

// rmsnorm_fwd_t: y = x · rstd · w with rstd = 1/√(mean(x²) + eps) stored per
// row (the backward needs it), y as P; one block per row.
template <class P>
__device__ void rmsnorm_fwd_t(typename P::T *y, float *rstd, const float *x, const float *w, int D, float eps) {
    const float *xr = x + (long long)blockIdx.x * D;
    long long y0 = (long long)blockIdx.x * D;
    float ss = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) ss += xr[i] * xr[i];
    ss = tr_block_sum(ss);
    float s = (float)(1.0 / sqrt((double)(ss / (float)D + eps)));
    if (threadIdx.x == 0) rstd[blockIdx.x] = s;
    for (int i = threadIdx.x; i < D; i += blockDim.x) P::st(y, y0 + i, (xr[i] * s) * w[i]);
}
#define RMSF(P, s)                                                                                            \
    extern "C" __global__ void rmsnorm_fwd_##s(P::T *y, float *rstd, const float *x, const float *w, int D,    \
                                               float eps) {                                                   \
        rmsnorm_fwd_t<P>(y, rstd, x, w, D, eps);                                                              \
    }
INSTANTIATE3(RMSF)

// rmsnorm_bwd: for y = x̂·w with x̂ = x·rstd, one block per row:
// dx += rstd·(dy·w − x̂·mean(dy·w·x̂)) (added into the residual gradient dx)
// and dw += Σ_rows dy·x̂ (atomics into the fp32 gradient, when dw is
// non-null). dy is fp32.
extern "C" __global__ void rmsnorm_bwd(float *dx, float *dw, const float *dy, const float *x, const float *rstd,
                                       const float *w, int D) {
    long long r0 = (long long)blockIdx.x * D;
    float s = rstd[blockIdx.x];
    float dot = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) dot += dy[r0 + i] * w[i] * (x[r0 + i] * s);
    dot = tr_block_sum(dot) / (float)D;
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float xh = x[r0 + i] * s, g = dy[r0 + i];
        dx[r0 + i] += s * (g * w[i] - xh * dot);
        if (dw) atomicAdd(&dw[i], g * xh);
    }
}

// add_act: res += x for fp32 res and x of type P (a branch output joining
// the fp32 residual stream).
#define ADDA(P, s)                                                                                            \
    extern "C" __global__ void add_act_##s(float *res, const P::T *x, long long n) {                          \
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                       \
        if (i < n) res[i] += P::ld(x, i);                                                                     \
    }
INSTANTIATE3(ADDA)

// to_act / from_act convert n values between fp32 and P.
#define CONV(P, s)                                                                                            \
    extern "C" __global__ void to_act_##s(P::T *y, const float *x, long long n) {                             \
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                       \
        if (i < n) P::st(y, i, x[i]);                                                                         \
    }                                                                                                         \
    extern "C" __global__ void from_act_##s(float *y, const P::T *x, long long n) {                           \
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                       \
        if (i < n) y[i] = P::ld(x, i);                                                                        \
    }
INSTANTIATE3(CONV)

// add_bias_t: y[r, c] += b[c] for n rows of out columns (row stride ldy).
// bias_grad_t: db[c] += Σ_r dy[r, c], rows split over gridDim.y blocks
// (atomics into the fp32 gradient).
#define BIAS(P, s)                                                                                            \
    extern "C" __global__ void add_bias_##s(P::T *y, int ldy, const float *b, int n, int out) {               \
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;                                       \
        if (i >= (long long)n * out) return;                                                                  \
        long long r = i / out;                                                                                \
        int c = (int)(i % out);                                                                               \
        P::st(y, r * ldy + c, P::ld(y, r * ldy + c) + b[c]);                                                  \
    }                                                                                                         \
    extern "C" __global__ void bias_grad_##s(float *db, const P::T *dy, int ldy, int n, int out) {            \
        int c = blockIdx.x * blockDim.x + threadIdx.x;                                                        \
        if (c >= out) return;                                                                                 \
        float acc = 0;                                                                                        \
        for (long long r = blockIdx.y; r < n; r += gridDim.y) acc += P::ld(dy, r * ldy + c);                  \
        atomicAdd(&db[c], acc);                                                                               \
    }
INSTANTIATE3(BIAS)
