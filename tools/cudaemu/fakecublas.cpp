// A stand-in libcublas.so.13: column-major GEMM by plain loops (double
// accumulation) over fp32, bf16 (cudaDataType 14) and fp16 (2) operands,
// refusing leading dimensions cuBLAS refuses.
#include <cstring>
#include <cstdint>
#include <vector>
static float bf2f(uint16_t h) { uint32_t u = (uint32_t)h << 16; float f; memcpy(&f, &u, 4); return f; }
static uint16_t f2bf(float f) { uint32_t u; memcpy(&u, &f, 4); if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40; return (u + 0x7fff + ((u >> 16) & 1)) >> 16; }
static float h2f(uint16_t h) { _Float16 x; memcpy(&x, &h, 2); return (float)x; }
static uint16_t f2h(float f) { _Float16 x = (_Float16)f; uint16_t h; memcpy(&h, &x, 2); return h; }
static float ld(const void *p, int t, long long i) { return t == 0 ? ((const float *)p)[i] : t == 14 ? bf2f(((const uint16_t *)p)[i]) : h2f(((const uint16_t *)p)[i]); }
static void st(void *p, int t, long long i, float v) { if (t == 0) ((float *)p)[i] = v; else if (t == 14) ((uint16_t *)p)[i] = f2bf(v); else ((uint16_t *)p)[i] = f2h(v); }
static int gemm(int ta, int tb, int m, int n, int k, float alpha, const void *A, int at, int lda, const void *B, int bt, int ldb, float beta, void *C, int ct, int ldc) {
    if ((ta == 0 && lda < m) || (ta == 1 && lda < k) || (tb == 0 && ldb < k) || (tb == 1 && ldb < n) || ldc < m) return 7;
    for (int j = 0; j < n; j++) for (int i = 0; i < m; i++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            float a = ta ? ld(A, at, (long long)i * lda + p) : ld(A, at, (long long)p * lda + i);
            float b = tb ? ld(B, bt, (long long)p * ldb + j) : ld(B, bt, (long long)j * ldb + p);
            s += (double)a * b;
        }
        long long ci = (long long)j * ldc + i;
        float old = beta != 0 ? ld(C, ct, ci) : 0;
        st(C, ct, ci, alpha * (float)s + beta * old);
    }
    return 0;
}
extern "C" {
int cublasCreate_v2(void **h) { *h = (void *)1; return 0; }
int cublasGetVersion_v2(void *, int *v) { *v = 130100; return 0; }
int cublasSgemm_v2(void *, int ta, int tb, int m, int n, int k, const float *al, const float *A, int lda, const float *B, int ldb, const float *be, float *C, int ldc) {
    return gemm(ta, tb, m, n, k, *al, A, 0, lda, B, 0, ldb, *be, C, 0, ldc);
}
int cublasGemmEx(void *, int ta, int tb, int m, int n, int k, const void *al, const void *A, int at, int lda, const void *B, int bt, int ldb, const void *be, void *C, int ct, int ldc, int, int) {
    return gemm(ta, tb, m, n, k, *(const float *)al, A, at, lda, B, bt, ldb, *(const float *)be, C, ct, ldc);
}
}
