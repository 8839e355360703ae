// GPT-NeoX kernels: exact-erf GELU, partial rotary embedding (HF's
// rotate_half convention) and fused causal attention. The CPU model
// (models/transformer) is the specification.

// gelu: y = x/2·(1 + erf(x/√2)) (PyTorch's exact GELU), in place allowed.
extern "C" __global__ void gelu_fwd(float *y, const float *x, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { float v = x[i]; y[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }
}

// rotary rotates, in place, the first R entries of q and k of every head in
// the fused projection qkv (n rows of 3D; head h's q, k, v are hd-blocks at
// h·3hd): pair i of position t turns by the angle t·inv[i], computed in
// fp32 as HF does, its cosine and sine in double rounded to float (the CPU
// tables). One thread per (row, head, pair, q-or-k).
extern "C" __global__ void rotary_fwd(float *qkv, const float *inv, int n, int T, int H, int hd, int R) {
    int h2 = R / 2;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long total = (long long)n * H * h2 * 2;
    if (i >= total) return;
    int which = (int)(i % 2);
    long long j = i / 2;
    int p = (int)(j % h2);
    j /= h2;
    int h = (int)(j % H);
    long long r = j / H;
    int t = (int)(r % T);
    float a = inv[p] * (float)t;
    float c = (float)cos((double)a), s = (float)sin((double)a);
    float *x = qkv + r * 3 * H * hd + (long long)h * 3 * hd + which * hd;
    float x1 = x[p], x2 = x[p + h2];
    x[p] = x1 * c - x2 * s;
    x[p + h2] = x2 * c + x1 * s;
}

// attention_fwd: out[b, t, h·HD + j] = Σ_{s ≤ t} softmax_s(q_t·k_s·scale) v_s[j]
// for q, k, v read from qkv (row stride 3·H·HD, head h at h·3HD: q, k, v).
// Flash-style: a block of QT threads takes QT consecutive queries of one
// (batch, head), one query per thread with q and the output accumulator in
// registers, and walks the keys in tiles of KT staged in shared memory with
// an online softmax, so no (T, T) score matrix exists anywhere. HS, the
// head size, is a compile-time constant (q and the accumulator live in
// registers).
#define QT 64
#define KT 32
template <int HS>
__device__ void attention(float *out, const float *qkv, int B, int T, int H, float scale) {
    __shared__ float ks[KT][HS];
    __shared__ float vs[KT][HS];
    int nq = (T + QT - 1) / QT;
    int bh = blockIdx.x / nq, qt = blockIdx.x % nq;
    int b = bh / H, h = bh % H;
    int t = qt * QT + threadIdx.x;
    bool valid = t < T;
    long long S = 3LL * H * HS;
    const float *base = qkv + (long long)b * T * S + (long long)h * 3 * HS;
    float q[HS], acc[HS];
    for (int j = 0; j < HS; j++) { q[j] = valid ? base[(long long)t * S + j] : 0.0f; acc[j] = 0.0f; }
    float m = __int_as_float(0xff800000), l = 0.0f;
    int last = min(T, qt * QT + QT); // keys this block needs: 0 .. last−1
    for (int k0 = 0; k0 < last; k0 += KT) {
        __syncthreads();
        for (int e = threadIdx.x; e < KT * HS; e += blockDim.x) {
            int kk = e / HS, j = e % HS;
            int s = k0 + kk;
            ks[kk][j] = s < T ? base[(long long)s * S + HS + j] : 0.0f;
            vs[kk][j] = s < T ? base[(long long)s * S + 2 * HS + j] : 0.0f;
        }
        __syncthreads();
        if (!valid || k0 > t) continue;
        float sc[KT];
        float mt = m;
#pragma unroll
        for (int kk = 0; kk < KT; kk++) {
            float d = 0.0f;
#pragma unroll
            for (int j = 0; j < HS; j++) d += q[j] * ks[kk][j];
            sc[kk] = k0 + kk <= t ? d * scale : __int_as_float(0xff800000);
            mt = fmaxf(mt, sc[kk]);
        }
        float corr = expf(m - mt);
        l *= corr;
#pragma unroll
        for (int j = 0; j < HS; j++) acc[j] *= corr;
#pragma unroll
        for (int kk = 0; kk < KT; kk++) {
            float p = expf(sc[kk] - mt);
            l += p;
#pragma unroll
            for (int j = 0; j < HS; j++) acc[j] += p * vs[kk][j];
        }
        m = mt;
    }
    if (valid) {
        float inv = 1.0f / l;
        float *o = out + ((long long)b * T + t) * H * HS + (long long)h * HS;
        for (int j = 0; j < HS; j++) o[j] = acc[j] * inv;
    }
}

// The module is compiled once per head size, passed as -DHD=<size>
// (module.go's defines), so any head size works without instantiating
// every one (an unrolled instantiation takes NVRTC seconds to compile).
extern "C" __global__ void __launch_bounds__(QT) attention_fwd(float *out, const float *qkv, int B, int T, int H, float scale) {
    attention<HD>(out, qkv, B, T, H, scale);
}
