// Elementwise, normalisation and loss kernels shared by the GPU models.
// Tensors are row-major float32, rows of the (B·L) positions; each kernel
// is the GPU twin of a CPU layer in models/nn, which is the specification.

// block_sum reduces v over a block of blockDim.x threads (a multiple of 32,
// at most 1024); every thread gets the sum.
__device__ float block_sum(float v) {
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

__device__ double block_sum_d(double v) {
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

__device__ float block_max(float v) {
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

// embedding: out[r, :] = W[ids[r], :] (nn.Embedding).
extern "C" __global__ void embedding_fwd(float *out, const int *ids, const float *W, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    int r = (int)(i / D), c = (int)(i % D);
    out[i] = W[(long long)ids[r] * D + c];
}

// rmsnorm: y = x · rsqrt(mean(x²) + eps) · w, one block per row (nn.RMSNorm),
// y stored as O (bf16 where the next op is an autocast matmul).
template <class O>
__device__ void rmsnorm(typename O::T *y, float *rstd, const float *x, const float *w, int D, float eps) {
    const float *xr = x + (long long)blockIdx.x * D;
    long long y0 = (long long)blockIdx.x * D;
    float ss = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss);
    float s = (float)(1.0 / sqrt((double)(ss / (float)D + eps)));
    if (threadIdx.x == 0 && rstd) rstd[blockIdx.x] = s;
    for (int i = threadIdx.x; i < D; i += blockDim.x) O::st(y, y0 + i, (xr[i] * s) * w[i]);
}
extern "C" __global__ void rmsnorm_fwd(float *y, float *rstd, const float *x, const float *w, int D, float eps) {
    rmsnorm<F32>(y, rstd, x, w, D, eps);
}
extern "C" __global__ void rmsnorm_fwd_bf16(unsigned short *y, float *rstd, const float *x, const float *w, int D, float eps) {
    rmsnorm<BF16>(y, rstd, x, w, D, eps);
}

// to_bf16 rounds n floats to bf16; from_bf16 widens them back.
extern "C" __global__ void to_bf16(unsigned short *y, const float *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = f2bf(x[i]);
}
extern "C" __global__ void from_bf16(float *y, const unsigned short *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = bf2f(x[i]);
}

// add_bf16: res += x for fp32 res and bf16 x (a 16-bit branch output
// joining the fp32 residual stream).
extern "C" __global__ void add_bf16(float *res, const unsigned short *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) res[i] += bf2f(x[i]);
}

// layernorm: y = (x − mean) · rsqrt(var + eps) · w + b, one block per row
// (nn.LayerNorm; the variance is the biased one, as PyTorch's).
extern "C" __global__ void layernorm_fwd(float *y, const float *x, const float *w, const float *b, int D, float eps) {
    const float *xr = x + (long long)blockIdx.x * D;
    float *yr = y + (long long)blockIdx.x * D;
    float s = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) s += xr[i];
    float mean = block_sum(s) / (float)D;
    float v = 0;
    for (int i = threadIdx.x; i < D; i += blockDim.x) { float d = xr[i] - mean; v += d * d; }
    float var = block_sum(v) / (float)D;
    float r = (float)(1.0 / sqrt((double)(var + eps)));
    for (int i = threadIdx.x; i < D; i += blockDim.x) yr[i] = (xr[i] - mean) * r * w[i] + (b ? b[i] : 0.0f);
}

// add_bias: x[r, c] += b[c] over n rows of D.
extern "C" __global__ void add_bias(float *x, const float *b, int n, int D) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * D) return;
    x[i] += b[i % D];
}

// add3: out = (a + b) + c elementwise, or a + b with c null (GPT-NeoX's
// residuals, summed in the CPU model's order).
extern "C" __global__ void add3(float *out, const float *a, const float *b, const float *c, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s = a[i] + b[i];
    out[i] = c ? s + c[i] : s;
}

// cross_entropy: loss[r] = logsumexp(logits[r]) − logits[r, t] for each row
// with a target t ≥ 0 (0 for ignored rows, t < 0), one block per row. The
// sum of exponentials runs in double, as the CPU loss does.
template <class I>
__device__ void cross_entropy(double *loss, const typename I::T *logits, const int *targets, int V) {
    int t = targets[blockIdx.x];
    if (t < 0) {
        if (threadIdx.x == 0) loss[blockIdx.x] = 0;
        return;
    }
    long long r0 = (long long)blockIdx.x * V;
    float m = __int_as_float(0xff800000);
    for (int i = threadIdx.x; i < V; i += blockDim.x) m = fmaxf(m, I::ld(logits, r0 + i));
    m = block_max(m);
    double s = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) s += (double)expf(I::ld(logits, r0 + i) - m);
    s = block_sum_d(s);
    if (threadIdx.x == 0) loss[blockIdx.x] = (double)m + log(s) - (double)I::ld(logits, r0 + t);
}
extern "C" __global__ void cross_entropy_fwd(double *loss, const float *logits, const int *targets, int V) {
    cross_entropy<F32>(loss, logits, targets, V);
}
extern "C" __global__ void cross_entropy_fwd_bf16(double *loss, const unsigned short *logits, const int *targets, int V) {
    cross_entropy<BF16>(loss, logits, targets, V);
}
