//go:build onednn

package tensor

/*
#cgo LDFLAGS: -ldnnl -ldl
#include <dlfcn.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <oneapi/dnnl/dnnl.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static dnnl_engine_t ssmlab_engine;
static void (*ssmlab_omp_set)(int);

// Debian's libdnnl runs on OpenMP; its thread count is a per-OS-thread
// setting, so every call sets it (cheap). Other runtimes: no-op.
static dnnl_status_t ssmlab_init(void) {
	ssmlab_omp_set = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
	return dnnl_engine_create(&ssmlab_engine, dnnl_cpu, 0);
}

static void ssmlab_threads(int n) {
	if (ssmlab_omp_set) ssmlab_omp_set(n);
}

// Every call into libdnnl runs with SIGPROF blocked on the calling thread.
// Go's CPU profiler sends SIGPROF to the process as well as to each Go
// thread, and libdnnl 2.6 interrupted by it has crashed: glibc "corrupted
// size vs. prev_size" in its OpenMP workers under --cpuprofile, and, with
// native bf16 (AMX) products, a SIGSEGV that killed the process without a
// Go trace. OpenMP workers inherit the mask of the thread that starts them,
// whichever call that is (a pool can be rebuilt when a team size changes),
// so masking only the first call of a thread was not enough. A profile tick
// that falls inside a call stays pending and is delivered as the mask is
// restored, still inside the call, so the profile keeps the product's time
// (at most one sample per call: products last well under the 10 ms tick).
static void ssmlab_enter(int n, sigset_t *old) {
	ssmlab_threads(n);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void ssmlab_leave(sigset_t *old) {
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static dnnl_status_t ssmlab_sgemm(int threads, char ta, char tb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k,
		float alpha, const float *a, dnnl_dim_t lda, const float *b, dnnl_dim_t ldb,
		float beta, float *c, dnnl_dim_t ldc) {
	sigset_t old;
	ssmlab_enter(threads, &old);
	dnnl_status_t st = dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	ssmlab_leave(&old);
	return st;
}

// A matmul primitive dst = alpha*src·wei + beta*dst with src (m x k) and
// wei (k x n) of type dt, stored transposed or not with leading dimensions
// lda/ldb, and an f32 dst with row stride ldc.
static dnnl_status_t ssmlab_matmul_build(dnnl_primitive_t *prim, dnnl_data_type_t dt,
		dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, int ta, int tb,
		dnnl_dim_t lda, dnnl_dim_t ldb, dnnl_dim_t ldc, float alpha, float beta) {
	dnnl_memory_desc_t a, b, c;
	dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
	dnnl_dims_t as = {lda, 1}, bs = {ldb, 1}, cs = {ldc, 1};
	if (ta) { as[0] = 1; as[1] = lda; }
	if (tb) { bs[0] = 1; bs[1] = ldb; }
	dnnl_status_t st;
	if ((st = dnnl_memory_desc_init_by_strides(&a, 2, ad, dt, as)) != dnnl_success) return st;
	if ((st = dnnl_memory_desc_init_by_strides(&b, 2, bd, dt, bs)) != dnnl_success) return st;
	if ((st = dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs)) != dnnl_success) return st;
	dnnl_matmul_desc_t md;
	if ((st = dnnl_matmul_desc_init(&md, &a, &b, NULL, &c)) != dnnl_success) return st;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	dnnl_primitive_desc_t pd = NULL;
	if ((st = dnnl_primitive_attr_create(&attr)) != dnnl_success) return st;
	if (alpha != 1) st = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
	if (st == dnnl_success && beta != 0) {
		st = dnnl_post_ops_create(&po);
		if (st == dnnl_success) st = dnnl_post_ops_append_sum(po, beta);
		if (st == dnnl_success) st = dnnl_primitive_attr_set_post_ops(attr, po);
	}
	if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &md, attr, ssmlab_engine, NULL);
	// A reference implementation is oneDNN's slow loop; fp32 emulation is faster.
	const char *impl = "";
	if (st == dnnl_success) st = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
	if (st == dnnl_success && strncmp(impl, "ref", 3) == 0) st = dnnl_unimplemented;
	if (st == dnnl_success) st = dnnl_primitive_create(prim, pd);
	if (pd) dnnl_primitive_desc_destroy(pd);
	if (po) dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	return st;
}

// The primitive is built for the team size it will run with (oneDNN
// plans its split of the work when it builds one).
static dnnl_status_t ssmlab_matmul_create(int threads, dnnl_primitive_t *prim, dnnl_data_type_t dt,
		dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, int ta, int tb,
		dnnl_dim_t lda, dnnl_dim_t ldb, dnnl_dim_t ldc, float alpha, float beta) {
	sigset_t old;
	ssmlab_enter(threads, &old);
	dnnl_status_t st = ssmlab_matmul_build(prim, dt, m, n, k, ta, tb, lda, ldb, ldc, alpha, beta);
	ssmlab_leave(&old);
	return st;
}

// The implementation a primitive dispatched to ("brg:avx512_core", "gemm:jit", ...).
static const char *ssmlab_matmul_impl(dnnl_primitive_t prim) {
	const_dnnl_primitive_desc_t pd;
	const char *impl = "";
	if (dnnl_primitive_get_primitive_desc(prim, &pd) != dnnl_success) return impl;
	if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success) return "";
	return impl;
}

static dnnl_status_t ssmlab_matmul_exec(dnnl_primitive_t prim, int threads, void *a, void *b, float *c) {
	const_dnnl_primitive_desc_t pd;
	dnnl_status_t st = dnnl_primitive_get_primitive_desc(prim, &pd);
	if (st != dnnl_success) return st;
	dnnl_memory_t mem[3] = {NULL, NULL, NULL};
	dnnl_stream_t stream = NULL;
	const dnnl_query_t q[3] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md};
	void *ptr[3] = {a, b, c};
	for (int i = 0; i < 3 && st == dnnl_success; i++)
		st = dnnl_memory_create(&mem[i], dnnl_primitive_desc_query_md(pd, q[i], 0), ssmlab_engine, ptr[i]);
	if (st == dnnl_success) st = dnnl_stream_create(&stream, ssmlab_engine, dnnl_stream_default_flags);
	if (st == dnnl_success) {
		dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mem[0]}, {DNNL_ARG_WEIGHTS, mem[1]}, {DNNL_ARG_DST, mem[2]}};
		sigset_t old;
		ssmlab_enter(threads, &old);
		st = dnnl_primitive_execute(prim, stream, 3, args);
		if (st == dnnl_success) st = dnnl_stream_wait(stream);
		ssmlab_leave(&old);
	}
	if (stream) dnnl_stream_destroy(stream);
	for (int i = 0; i < 3; i++) if (mem[i]) dnnl_memory_destroy(mem[i]);
	return st;
}

// Round rows x cols floats (row stride ld) to bf16 bits, round to nearest
// even, NaN kept quiet with its sign: precision.ToBF16Bits.
static inline uint16_t ssmlab_bf16_bits(uint32_t u) {
	uint32_t r = (u + 0x7fff + ((u >> 16) & 1)) >> 16;
	return (uint16_t)((u & 0x7fffffff) > 0x7f800000 ? (u >> 16) | 0x40 : r);
}

static void ssmlab_to_bf16_plain(const float *src, long rows, long cols, long ld, uint16_t *dst) {
	for (long i = 0; i < rows; i++) {
		const float *s = src + i * ld;
		uint16_t *d = dst + i * cols;
		for (long j = 0; j < cols; j++) {
			uint32_t u;
			memcpy(&u, s + j, 4);
			d[j] = ssmlab_bf16_bits(u);
		}
	}
}

// The same integer arithmetic on 16 values at a time with AVX2 (the plain
// loop is not vectorised by the compiler and cost more than the product it
// fed: 1.7 ns a value against 0.45 ms for a 2048x512x128 bf16 matmul).
// Results are at most 0xffff, so the saturating pack is exact.
#if defined(__x86_64__)
__attribute__((target("avx2")))
static void ssmlab_to_bf16_avx2(const float *src, long rows, long cols, long ld, uint16_t *dst) {
	const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1), quiet = _mm256_set1_epi32(0x40);
	const __m256i abs = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
	for (long i = 0; i < rows; i++) {
		const float *s = src + i * ld;
		uint16_t *d = dst + i * cols;
		long j = 0;
		for (; j + 16 <= cols; j += 16) {
			__m256i r[2];
			for (int h = 0; h < 2; h++) {
				__m256i u = _mm256_loadu_si256((const __m256i *)(s + j + 8 * h));
				__m256i hi = _mm256_srli_epi32(u, 16);
				__m256i rn = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, bias), _mm256_and_si256(hi, one)), 16);
				__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs), inf);
				r[h] = _mm256_blendv_epi8(rn, _mm256_or_si256(hi, quiet), nan);
			}
			__m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(r[0], r[1]), 0xd8);
			_mm256_storeu_si256((__m256i *)(d + j), p);
		}
		for (; j < cols; j++) {
			uint32_t u;
			memcpy(&u, s + j, 4);
			d[j] = ssmlab_bf16_bits(u);
		}
	}
}
#endif

static void ssmlab_to_bf16(const float *src, long rows, long cols, long ld, uint16_t *dst) {
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2")) {
		ssmlab_to_bf16_avx2(src, rows, cols, ld, dst);
		return;
	}
#endif
	ssmlab_to_bf16_plain(src, rows, cols, ld, dst);
}

// Round to binary16 bits with the F16C instruction (round to nearest even,
// subnormals, overflow to Inf). Called only on CPUs with F16C.
#if defined(__x86_64__)
__attribute__((target("avx,f16c")))
static void ssmlab_to_fp16(const float *src, long rows, long cols, long ld, uint16_t *dst) {
	for (long i = 0; i < rows; i++) {
		const float *s = src + i * ld;
		uint16_t *d = dst + i * cols;
		long j = 0;
		for (; j + 8 <= cols; j += 8)
			_mm_storeu_si128((__m128i *)(d + j), _mm256_cvtps_ph(_mm256_loadu_ps(s + j), _MM_FROUND_TO_NEAREST_INT));
		for (; j < cols; j++)
			d[j] = _cvtss_sh(s[j], _MM_FROUND_TO_NEAREST_INT);
	}
}
#else
static void ssmlab_to_fp16(const float *src, long rows, long cols, long ld, uint16_t *dst) {}
#endif
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ssmlab/ssmlab/models/internal/cpuid"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/precision"
)

// OneDNN is the cgo backend over Intel oneDNN (libdnnl): fp32 through
// dnnl_sgemm, and, on CPUs with 16-bit matrix instructions, bf16/fp16 GEMM
// with fp32 accumulation through the matmul primitive (HalfGemmer). It is
// built with the onednn tag, which the Makefile sets when libdnnl-dev is
// installed, and outranks every other backend. Its thread count follows
// GOMAXPROCS.
type OneDNN struct{}

func init() {
	if st := C.ssmlab_init(); st != C.dnnl_success {
		panic(fmt.Sprintf("tensor: oneDNN engine: status %d", int(st)))
	}
	Register(OneDNN{}, 30)
}

// Name implements Backend.
func (OneDNN) Name() string { return "onednn" }

// Describe gives the library version and the ISA it dispatches to, for
// provenance.
func (OneDNN) Describe() string {
	v := C.dnnl_version()
	f32 := "sgemm"
	if f32Matmul {
		f32 = "matmul primitive"
	}
	return fmt.Sprintf("onednn %d.%d.%d (isa %s; fp32 %s; bf16 %s, fp16 %s)", int(v.major), int(v.minor), int(v.patch),
		dnnlISA(), f32, nativeWord(dnnlHalf(true)), nativeWord(dnnlHalf(false)))
}

func nativeWord(ok bool) string {
	if ok {
		return "native"
	}
	return "emulated"
}

func dnnlISA() string {
	isa := C.dnnl_get_effective_cpu_isa()
	for _, c := range []struct {
		isa  C.dnnl_cpu_isa_t
		name string
	}{{C.dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"}, {C.dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"},
		{C.dnnl_cpu_isa_avx512_core, "avx512_core"}, {C.dnnl_cpu_isa_avx2, "avx2"}, {C.dnnl_cpu_isa_sse41, "sse41"}} {
		if isa&c.isa == c.isa {
			return c.name
		}
	}
	return "generic"
}

// Gemm implements Backend: dnnl_sgemm on GOMAXPROCS OpenMP threads, or
// the fp32 matmul primitive where f32Matmul chose it.
func (OneDNN) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m > 0 && n > 0 && k > 0 && f32Matmul &&
		dnnlMatmul(C.dnnl_f32, transA, transB, m, n, k, alpha, unsafe.Pointer(&a[0]), lda, unsafe.Pointer(&b[0]), ldb, beta, c, ldc) {
		return
	}
	dnnlSgemm(runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// f32Matmul says whether fp32 products go through the matmul primitive
// (SSMLAB_ONEDNN_F32=matmul, read at start) instead of dnnl_sgemm.
var f32Matmul = os.Getenv("SSMLAB_ONEDNN_F32") == "matmul"

// dnnlF32Impl names the implementation oneDNN's fp32 matmul primitive
// picks for a product (empty if none builds).
func dnnlF32Impl(transA, transB bool, m, n, k, lda, ldb, ldc int) string {
	p, err := matmulCreate(matmulKey{dt: C.dnnl_f32, m: m, n: n, k: k, transA: transA, transB: transB, lda: lda, ldb: ldb, ldc: ldc, alpha: 1})
	if err != nil {
		return ""
	}
	defer C.dnnl_primitive_destroy(p)
	return C.GoString(C.ssmlab_matmul_impl(p))
}

// GemmSerial implements SerialGemmer: dnnl_sgemm on the calling thread.
func (OneDNN) GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	dnnlSgemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func dnnlSgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(beta, c, m, n, ldc)
		return
	}
	ta, tb := C.char('N'), C.char('N')
	if transA {
		ta = 'T'
	}
	if transB {
		tb = 'T'
	}
	st := C.ssmlab_sgemm(C.int(threads), ta, tb, C.dnnl_dim_t(m), C.dnnl_dim_t(n), C.dnnl_dim_t(k),
		C.float(alpha), (*C.float)(&a[0]), C.dnnl_dim_t(lda), (*C.float)(&b[0]), C.dnnl_dim_t(ldb),
		C.float(beta), (*C.float)(&c[0]), C.dnnl_dim_t(ldc))
	if st != C.dnnl_success {
		panic(fmt.Sprintf("tensor: dnnl_sgemm m=%d n=%d k=%d: status %d", m, n, k, int(st)))
	}
}

// HalfNative reports whether HalfGemm runs natively here for bf16 (or fp16).
func (OneDNN) HalfNative(bf16 bool) bool { return dnnlHalf(bf16) }

// HalfGemm implements HalfGemmer: A and B are rounded to bf16 (or fp16)
// storage, which is exact for operands already on that grid, multiplied by
// the CPU's 16-bit instructions and accumulated in fp32 into C. (Products
// of 16-bit values are exact in fp32; VDPBF16PS and AMX do flush subnormal
// values, below 1.2e-38, to zero.) It returns false, doing nothing, where
// the CPU lacks those instructions. Where oneDNN has no fast kernel for a
// layout it multiplies the rounded operands with the fp32 GEMM instead (the
// emulation), so callers may always pass unrounded operands.
func (OneDNN) HalfGemm(bf16 bool, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if !dnnlHalf(bf16) {
		return false
	}
	if m == 0 || n == 0 || k == 0 {
		OneDNN{}.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return true
	}
	dt := C.dnnl_data_type_t(C.dnnl_f16)
	if bf16 {
		dt = C.dnnl_bf16
	}
	ar, ac := rowsCols(transA, m, k)
	br, bc := rowsCols(transB, k, n)
	ab, bb := halfBufs.Get(), halfBufs.Get()
	defer halfBufs.Put(ab)
	defer halfBufs.Put(bb)
	a16 := toHalf(bf16, ab, a, ar, ac, lda)
	b16 := toHalf(bf16, bb, b, br, bc, ldb)
	if !halfFallback && dnnlMatmul(dt, transA, transB, m, n, k, alpha, unsafe.Pointer(&a16[0]), ac, unsafe.Pointer(&b16[0]), bc, beta, c, ldc) {
		return true
	}
	// no fast kernel for this layout: the fp32 product of the rounded values
	fa, fb := halfWide.Get(), halfWide.Get()
	defer halfWide.Put(fa)
	defer halfWide.Put(fb)
	a32, b32 := fromHalf(bf16, fa, a16), fromHalf(bf16, fb, b16)
	OneDNN{}.Gemm(transA, transB, m, n, k, alpha, a32, ac, b32, bc, beta, c, ldc)
	return true
}

// halfFallback makes HalfGemm take its fp32 fallback for every product
// (tests only: real layouts without a fast kernel are rare).
var halfFallback bool

// halfWide holds the fallback's float32 copies of the rounded operands.
var halfWide scratch.List[[]float32]

// fromHalf expands 16-bit bits to float32 in *buf (grown as needed); exact.
func fromHalf(bf16 bool, buf *[]float32, x []uint16) []float32 {
	if cap(*buf) < len(x) {
		*buf = make([]float32, len(x))
	}
	out := (*buf)[:len(x)]
	for i, v := range x {
		if bf16 {
			out[i] = precision.FromBF16Bits(v)
		} else {
			out[i] = precision.FromFP16Bits(v)
		}
	}
	return out
}

// halfBufs holds the 16-bit operand copies between products (a free list
// that survives garbage collections), so a training step does not allocate
// two fresh copies per product.
var halfBufs scratch.List[[]uint16]

// rowsCols returns the stored shape of op(X) (r x c): (c x r) if transposed.
func rowsCols(trans bool, r, c int) (int, int) {
	if trans {
		return c, r
	}
	return r, c
}

// toHalf converts rows x cols values of x (row stride ld) to packed 16-bit
// bits in *buf (grown as needed), rows split over GOMAXPROCS.
func toHalf(bf16 bool, buf *[]uint16, x []float32, rows, cols, ld int) []uint16 {
	if cap(*buf) < rows*cols {
		*buf = make([]uint16, rows*cols)
	}
	out := (*buf)[:rows*cols]
	Parallel(rows, max(1, (1<<16)/cols), func(lo, hi int) {
		src, dst := (*C.float)(&x[lo*ld]), (*C.uint16_t)(&out[lo*cols])
		if bf16 {
			C.ssmlab_to_bf16(src, C.long(hi-lo), C.long(cols), C.long(ld), dst)
		} else {
			C.ssmlab_to_fp16(src, C.long(hi-lo), C.long(cols), C.long(ld), dst)
		}
	})
	return out
}

// matmulKey identifies a cached matmul primitive.
type matmulKey struct {
	dt             C.dnnl_data_type_t
	m, n, k        int
	transA, transB bool
	lda, ldb, ldc  int
	alpha, beta    float32
}

const matmulCacheMax = 256

var (
	matmulMu    sync.Mutex
	matmulCache = map[matmulKey]C.dnnl_primitive_t{}
)

// dnnlMatmul runs C = alpha*op(A)*op(B) + beta*C with the matmul primitive
// for element type dt, creating (and caching, up to matmulCacheMax shapes)
// the primitive on first use; cached primitives live for the process. It
// returns false, doing nothing, if oneDNN has no fast implementation for
// that configuration (also cached).
func dnnlMatmul(dt C.dnnl_data_type_t, transA, transB bool, m, n, k int, alpha float32, a unsafe.Pointer, lda int, b unsafe.Pointer, ldb int, beta float32, c []float32, ldc int) bool {
	key := matmulKey{dt, m, n, k, transA, transB, lda, ldb, ldc, alpha, beta}
	matmulMu.Lock()
	prim, ok := matmulCache[key]
	matmulMu.Unlock()
	if !ok {
		prim, _ = matmulCreate(key) // nil: unsupported
		matmulMu.Lock()
		if old, dup := matmulCache[key]; dup { // another goroutine won
			if prim != nil {
				C.dnnl_primitive_destroy(prim)
			}
			prim = old
		} else if len(matmulCache) < matmulCacheMax {
			matmulCache[key] = prim
		} else if prim != nil {
			defer C.dnnl_primitive_destroy(prim)
		}
		matmulMu.Unlock()
	}
	if prim == nil {
		return false
	}
	st := C.ssmlab_matmul_exec(prim, C.int(runtime.GOMAXPROCS(0)), a, b, (*C.float)(&c[0]))
	if st != C.dnnl_success {
		panic(fmt.Sprintf("tensor: oneDNN matmul %+v: status %d", key, int(st)))
	}
	return true
}

func matmulCreate(key matmulKey) (C.dnnl_primitive_t, error) {
	var prim C.dnnl_primitive_t
	st := C.ssmlab_matmul_create(C.int(runtime.GOMAXPROCS(0)), &prim, key.dt, C.dnnl_dim_t(key.m), C.dnnl_dim_t(key.n), C.dnnl_dim_t(key.k),
		cBool(key.transA), cBool(key.transB), C.dnnl_dim_t(key.lda), C.dnnl_dim_t(key.ldb), C.dnnl_dim_t(key.ldc),
		C.float(key.alpha), C.float(key.beta))
	if st != C.dnnl_success {
		return nil, fmt.Errorf("tensor: oneDNN matmul %+v: status %d", key, int(st))
	}
	return prim, nil
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

var (
	halfOnce   sync.Once
	halfNative [2]bool // fp16, bf16
)

// dnnlHalf reports whether 16-bit matmuls are native here: the CPU has the
// instructions (AVX512_BF16 or AMX-BF16 for bf16, AVX512_FP16 for fp16),
// oneDNN dispatches to them, and a small primitive of that type builds.
// oneDNN would also run bf16 on plain AVX-512 by conversion; that is not
// native, so it is not claimed.
func dnnlHalf(bf16 bool) bool {
	halfOnce.Do(func() {
		isa := C.dnnl_get_effective_cpu_isa()
		f := cpuid.X86
		probe := func(dt C.dnnl_data_type_t) bool {
			p, err := matmulCreate(matmulKey{dt: dt, m: 16, n: 16, k: 16, lda: 16, ldb: 16, ldc: 16, alpha: 1})
			if err != nil {
				return false
			}
			C.dnnl_primitive_destroy(p)
			return true
		}
		halfNative[1] = isa&C.dnnl_cpu_isa_avx512_core_bf16 == C.dnnl_cpu_isa_avx512_core_bf16 &&
			(f.AVX512BF16 || f.AMXBF16) && probe(C.dnnl_bf16)
		halfNative[0] = f.AVX512FP16 && f.F16C && probe(C.dnnl_f16)
	})
	if bf16 {
		return halfNative[1]
	}
	return halfNative[0]
}

// dnnlMatmulF32 runs the matmul primitive on fp32 operands in place: the
// same path as HalfGemm minus the conversion, so its plumbing (strides,
// transposes, alpha, beta, the cache) is tested on every CPU.
func dnnlMatmulF32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !dnnlMatmul(C.dnnl_f32, transA, transB, m, n, k, alpha, unsafe.Pointer(&a[0]), lda, unsafe.Pointer(&b[0]), ldb, beta, c, ldc) {
		panic("tensor: no oneDNN fp32 matmul")
	}
}
