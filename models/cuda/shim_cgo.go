//go:build linux && cgo

package cuda

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

// The CUDA types this shim needs, declared by hand: no CUDA header is read
// and nothing links against a CUDA library. Every entry point is looked up
// with dlsym after dlopen, so the binary starts on machines without CUDA.
typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef unsigned long long CUdeviceptr;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef void *nvrtcProgram;
typedef void *cublasHandle_t;

static void *lib_cuda, *lib_nvrtc, *lib_cublas;
// g_ctx is made current on the calling OS thread by every wrapper that
// needs a context: goroutines move between threads, and this keeps the
// Go side free of thread pinning.
static CUcontext g_ctx;
#define CTX if (g_ctx) p_cuCtxSetCurrent(g_ctx);

#define FN(lib, ret, name, args) static ret (*p_##name) args;
#define CUDA_FNS(X) \
	X(cuda, CUresult, cuInit, (unsigned)) \
	X(cuda, CUresult, cuDriverGetVersion, (int *)) \
	X(cuda, CUresult, cuDeviceGetCount, (int *)) \
	X(cuda, CUresult, cuDeviceGet, (CUdevice *, int)) \
	X(cuda, CUresult, cuDeviceGetName, (char *, int, CUdevice)) \
	X(cuda, CUresult, cuDeviceGetAttribute, (int *, int, CUdevice)) \
	X(cuda, CUresult, cuDeviceTotalMem_v2, (size_t *, CUdevice)) \
	X(cuda, CUresult, cuDevicePrimaryCtxRetain, (CUcontext *, CUdevice)) \
	X(cuda, CUresult, cuCtxSetCurrent, (CUcontext)) \
	X(cuda, CUresult, cuCtxSynchronize, (void)) \
	X(cuda, CUresult, cuMemAlloc_v2, (CUdeviceptr *, size_t)) \
	X(cuda, CUresult, cuMemFree_v2, (CUdeviceptr)) \
	X(cuda, CUresult, cuMemGetInfo_v2, (size_t *, size_t *)) \
	X(cuda, CUresult, cuMemcpyHtoD_v2, (CUdeviceptr, const void *, size_t)) \
	X(cuda, CUresult, cuMemcpyDtoH_v2, (void *, CUdeviceptr, size_t)) \
	X(cuda, CUresult, cuMemcpyDtoD_v2, (CUdeviceptr, CUdeviceptr, size_t)) \
	X(cuda, CUresult, cuMemsetD32_v2, (CUdeviceptr, unsigned, size_t)) \
	X(cuda, CUresult, cuModuleLoadData, (CUmodule *, const void *)) \
	X(cuda, CUresult, cuModuleGetFunction, (CUfunction *, CUmodule, const char *)) \
	X(cuda, CUresult, cuLaunchKernel, (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **)) \
	X(cuda, CUresult, cuGetErrorString, (CUresult, const char **))
#define NVRTC_FNS(X) \
	X(nvrtc, int, nvrtcVersion, (int *, int *)) \
	X(nvrtc, int, nvrtcCreateProgram, (nvrtcProgram *, const char *, const char *, int, const char **, const char **)) \
	X(nvrtc, int, nvrtcCompileProgram, (nvrtcProgram, int, const char **)) \
	X(nvrtc, int, nvrtcGetProgramLogSize, (nvrtcProgram, size_t *)) \
	X(nvrtc, int, nvrtcGetProgramLog, (nvrtcProgram, char *)) \
	X(nvrtc, int, nvrtcGetCUBINSize, (nvrtcProgram, size_t *)) \
	X(nvrtc, int, nvrtcGetCUBIN, (nvrtcProgram, char *)) \
	X(nvrtc, int, nvrtcDestroyProgram, (nvrtcProgram *)) \
	X(nvrtc, const char *, nvrtcGetErrorString, (int))
#define CUBLAS_FNS(X) \
	X(cublas, int, cublasCreate_v2, (cublasHandle_t *)) \
	X(cublas, int, cublasGetVersion_v2, (cublasHandle_t, int *)) \
	X(cublas, int, cublasSgemm_v2, (cublasHandle_t, int, int, int, int, int, const float *, const float *, int, const float *, int, const float *, float *, int)) \
	X(cublas, int, cublasGemmEx, (cublasHandle_t, int, int, int, int, int, const void *, const void *, int, int, const void *, int, int, const void *, void *, int, int, int, int))

CUDA_FNS(FN)
NVRTC_FNS(FN)
CUBLAS_FNS(FN)

// load_* open a library (RTLD_LOCAL) and resolve every symbol; they return
// the name of the first missing symbol, "" on success, or NULL when the
// library itself could not be opened.
#define SYM(lib, ret, name, args) \
	p_##name = (ret(*) args)dlsym(lib_##lib, #name); \
	if (!p_##name) return #name;

static const char *load_cuda(const char *path) {
	lib_cuda = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib_cuda) return NULL;
	CUDA_FNS(SYM)
	return "";
}
static const char *load_nvrtc(const char *path) {
	lib_nvrtc = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib_nvrtc) return NULL;
	NVRTC_FNS(SYM)
	return "";
}
// preload opens a library the next loads need by name (NVRTC's builtins,
// which libnvrtc opens by soname and the loader finds only if it is on the
// search path or already resident).
static int preload(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL) != NULL; }
static const char *load_cublas(const char *path) {
	lib_cublas = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib_cublas) return NULL;
	CUBLAS_FNS(SYM)
	return "";
}

// Thin wrappers: cgo cannot call C function pointers directly.
static CUresult w_cuInit(void) { return p_cuInit(0); }
static CUresult w_cuDriverGetVersion(int *v) { return p_cuDriverGetVersion(v); }
static CUresult w_cuDeviceGetCount(int *n) { return p_cuDeviceGetCount(n); }
static CUresult w_cuDeviceGet(CUdevice *d, int i) { return p_cuDeviceGet(d, i); }
static CUresult w_cuDeviceGetName(char *s, int n, CUdevice d) { return p_cuDeviceGetName(s, n, d); }
static CUresult w_cuDeviceGetAttribute(int *v, int a, CUdevice d) { return p_cuDeviceGetAttribute(v, a, d); }
static CUresult w_cuDeviceTotalMem(size_t *b, CUdevice d) { return p_cuDeviceTotalMem_v2(b, d); }
static CUresult w_cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d) { return p_cuDevicePrimaryCtxRetain(c, d); }
static CUresult w_cuCtxSetCurrent(CUcontext c) { g_ctx = c; return p_cuCtxSetCurrent(c); }
static CUresult w_cuCtxSynchronize(void) { CTX return p_cuCtxSynchronize(); }
static CUresult w_cuMemAlloc(CUdeviceptr *p, size_t n) { CTX return p_cuMemAlloc_v2(p, n); }
static CUresult w_cuMemFree(CUdeviceptr p) { CTX return p_cuMemFree_v2(p); }
static CUresult w_cuMemGetInfo(size_t *f, size_t *t) { CTX return p_cuMemGetInfo_v2(f, t); }
static CUresult w_cuMemcpyHtoD(CUdeviceptr d, const void *s, size_t n) { CTX return p_cuMemcpyHtoD_v2(d, s, n); }
static CUresult w_cuMemcpyDtoH(void *d, CUdeviceptr s, size_t n) { CTX return p_cuMemcpyDtoH_v2(d, s, n); }
static CUresult w_cuMemcpyDtoD(CUdeviceptr d, CUdeviceptr s, size_t n) { CTX return p_cuMemcpyDtoD_v2(d, s, n); }
static CUresult w_cuMemsetD32(CUdeviceptr d, unsigned v, size_t n) { CTX return p_cuMemsetD32_v2(d, v, n); }
static CUresult w_cuModuleLoadData(CUmodule *m, const void *img) { CTX return p_cuModuleLoadData(m, img); }
static CUresult w_cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) { CTX return p_cuModuleGetFunction(f, m, name); }
static const char *w_cuGetErrorString(CUresult r) {
	const char *s = NULL;
	if (p_cuGetErrorString(r, &s) != 0 || !s) return "unknown CUDA error";
	return s;
}
// w_launch passes n kernel arguments, each stored in an 8-byte slot of args
// (a pointer, or a 4-byte int or float in the slot's low bytes: the
// machines CUDA runs on are little-endian).
static CUresult w_launch(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
		unsigned shmem, uint64_t *args, int n) {
	void *ptrs[32];
	CTX
	for (int i = 0; i < n && i < 32; i++) ptrs[i] = &args[i];
	return p_cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shmem, NULL, ptrs, NULL);
}

static int w_nvrtcVersion(int *maj, int *min) { return p_nvrtcVersion(maj, min); }
static const char *w_nvrtcGetErrorString(int r) { return p_nvrtcGetErrorString(r); }
// w_compile compiles src with the options and returns the NVRTC status; on
// success *cubin (malloc'd, *size bytes) holds the image; *log (malloc'd)
// always holds the compiler's log.
static int w_compile(const char *src, const char *name, const char **opts, int nopts,
		char **cubin, size_t *size, char **log) {
	nvrtcProgram prog;
	*cubin = NULL; *size = 0; *log = NULL;
	int r = p_nvrtcCreateProgram(&prog, src, name, 0, NULL, NULL);
	if (r != 0) return r;
	int rc = p_nvrtcCompileProgram(prog, nopts, opts);
	size_t ls = 0;
	if (p_nvrtcGetProgramLogSize(prog, &ls) == 0 && ls > 0) {
		*log = malloc(ls + 1);
		if (*log && p_nvrtcGetProgramLog(prog, *log) != 0) (*log)[0] = 0;
		if (*log) (*log)[ls] = 0;
	}
	if (rc == 0) {
		rc = p_nvrtcGetCUBINSize(prog, size);
		if (rc == 0) {
			*cubin = malloc(*size);
			rc = p_nvrtcGetCUBIN(prog, *cubin);
		}
	}
	p_nvrtcDestroyProgram(&prog);
	return rc;
}

static int w_cublasCreate(cublasHandle_t *h) { CTX return p_cublasCreate_v2(h); }
static int w_cublasGetVersion(cublasHandle_t h, int *v) { return p_cublasGetVersion_v2(h, v); }
static int w_cublasSgemm(cublasHandle_t h, int ta, int tb, int m, int n, int k, float alpha,
		CUdeviceptr a, int lda, CUdeviceptr b, int ldb, float beta, CUdeviceptr c, int ldc) {
	CTX
	return p_cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, (const float *)a, lda, (const float *)b, ldb, &beta, (float *)c, ldc);
}
// w_cublasGemmEx: alpha and beta are fp32 (compute type CUBLAS_COMPUTE_32F).
static int w_cublasGemmEx(cublasHandle_t h, int ta, int tb, int m, int n, int k, float alpha,
		CUdeviceptr a, int atype, int lda, CUdeviceptr b, int btype, int ldb, float beta,
		CUdeviceptr c, int ctype, int ldc, int compute, int algo) {
	CTX
	return p_cublasGemmEx(h, ta, tb, m, n, k, &alpha, (const void *)a, atype, lda, (const void *)b, btype, ldb,
		&beta, (void *)c, ctype, ldc, compute, algo);
}
*/
import "C"

import (
	"fmt"
	"path/filepath"
	"unsafe"
)

// cgoAvailable says this build can load CUDA (linux with cgo).
const cgoAvailable = true

// dlopenFirst tries each candidate with load and returns the one that
// opened; missing names the first absent symbol of an opened library.
func dlopenFirst(load func(*C.char) *C.char, candidates []string) (path, missing string, ok bool) {
	for _, c := range candidates {
		cs := C.CString(c)
		r := load(cs)
		C.free(unsafe.Pointer(cs))
		if r == nil {
			continue
		}
		return c, C.GoString(r), true
	}
	return "", "", false
}

func loadCUDA(c []string) (string, string, bool) {
	return dlopenFirst(func(p *C.char) *C.char { return C.load_cuda(p) }, c)
}
func loadNVRTC(c []string) (string, string, bool) {
	return dlopenFirst(func(p *C.char) *C.char {
		if dir := filepath.Dir(C.GoString(p)); dir != "." { // an explicit path: its builtins first
			if m, _ := filepath.Glob(filepath.Join(dir, "libnvrtc-builtins.so.*")); len(m) > 0 {
				cs := C.CString(m[0])
				C.preload(cs)
				C.free(unsafe.Pointer(cs))
			}
		}
		return C.load_nvrtc(p)
	}, c)
}
func loadCUBLAS(c []string) (string, string, bool) {
	return dlopenFirst(func(p *C.char) *C.char { return C.load_cublas(p) }, c)
}

// cuErr turns a driver status into an error naming the call.
func cuErr(call string, r C.CUresult) error {
	if r == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s (CUDA error %d)", call, C.GoString(C.w_cuGetErrorString(r)), int(r))
}

type (
	cuDevice   = C.CUdevice
	cuContext  = C.CUcontext
	cuModule   = C.CUmodule
	cuFunction = C.CUfunction
	devPtr     = uint64
)

func cuInit() error { return cuErr("cuInit", C.w_cuInit()) }

func cuDriverVersion() (int, error) {
	var v C.int
	err := cuErr("cuDriverGetVersion", C.w_cuDriverGetVersion(&v))
	return int(v), err
}

func cuDeviceCount() (int, error) {
	var n C.int
	err := cuErr("cuDeviceGetCount", C.w_cuDeviceGetCount(&n))
	return int(n), err
}

func cuDeviceGet(i int) (cuDevice, error) {
	var d C.CUdevice
	err := cuErr("cuDeviceGet", C.w_cuDeviceGet(&d, C.int(i)))
	return d, err
}

func cuDeviceName(d cuDevice) (string, error) {
	var buf [256]C.char
	if err := cuErr("cuDeviceGetName", C.w_cuDeviceGetName(&buf[0], 256, d)); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

func cuDeviceAttr(d cuDevice, attr int) (int, error) {
	var v C.int
	err := cuErr("cuDeviceGetAttribute", C.w_cuDeviceGetAttribute(&v, C.int(attr), d))
	return int(v), err
}

func cuDeviceTotalMem(d cuDevice) (uint64, error) {
	var b C.size_t
	err := cuErr("cuDeviceTotalMem", C.w_cuDeviceTotalMem(&b, d))
	return uint64(b), err
}

func cuPrimaryContext(d cuDevice) (cuContext, error) {
	var c C.CUcontext
	if err := cuErr("cuDevicePrimaryCtxRetain", C.w_cuDevicePrimaryCtxRetain(&c, d)); err != nil {
		return nil, err
	}
	return c, cuErr("cuCtxSetCurrent", C.w_cuCtxSetCurrent(c))
}

func cuSync() error { return cuErr("cuCtxSynchronize", C.w_cuCtxSynchronize()) }

func cuMemAlloc(n uint64) (devPtr, error) {
	var p C.CUdeviceptr
	err := cuErr("cuMemAlloc", C.w_cuMemAlloc(&p, C.size_t(n)))
	return devPtr(p), err
}

func cuMemFree(p devPtr) error { return cuErr("cuMemFree", C.w_cuMemFree(C.CUdeviceptr(p))) }

func cuCopyHtoD(dst devPtr, src unsafe.Pointer, n uint64) error {
	return cuErr("cuMemcpyHtoD", C.w_cuMemcpyHtoD(C.CUdeviceptr(dst), src, C.size_t(n)))
}

func cuCopyDtoH(dst unsafe.Pointer, src devPtr, n uint64) error {
	return cuErr("cuMemcpyDtoH", C.w_cuMemcpyDtoH(dst, C.CUdeviceptr(src), C.size_t(n)))
}

func cuMemset32(dst devPtr, v uint32, n uint64) error {
	return cuErr("cuMemsetD32", C.w_cuMemsetD32(C.CUdeviceptr(dst), C.uint(v), C.size_t(n)))
}

func cuModuleLoad(image []byte) (cuModule, error) {
	var m C.CUmodule
	p := C.CBytes(image)
	defer C.free(p)
	err := cuErr("cuModuleLoadData", C.w_cuModuleLoadData(&m, p))
	return m, err
}

func cuModuleFunction(m cuModule, name string) (cuFunction, error) {
	var f C.CUfunction
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	err := cuErr("cuModuleGetFunction "+name, C.w_cuModuleGetFunction(&f, m, cs))
	return f, err
}

func cuLaunch(name string, f cuFunction, grid, block [3]uint32, shmem uint32, args []uint64) error {
	var p *C.uint64_t
	if len(args) > 0 {
		p = (*C.uint64_t)(unsafe.Pointer(&args[0]))
	}
	r := C.w_launch(f, C.uint(grid[0]), C.uint(grid[1]), C.uint(grid[2]), C.uint(block[0]), C.uint(block[1]), C.uint(block[2]),
		C.uint(shmem), p, C.int(len(args)))
	if r == 0 {
		return nil
	}
	return cuErr("launching "+name, r)
}

func nvrtcVersion() (int, int, error) {
	var maj, min C.int
	if r := C.w_nvrtcVersion(&maj, &min); r != 0 {
		return 0, 0, fmt.Errorf("nvrtcVersion: %s", C.GoString(C.w_nvrtcGetErrorString(r)))
	}
	return int(maj), int(min), nil
}

// nvrtcCompile compiles src to a CUBIN with opts; log is the compiler's.
func nvrtcCompile(src, name string, opts []string) (cubin []byte, log string, err error) {
	csrc, cname := C.CString(src), C.CString(name)
	defer C.free(unsafe.Pointer(csrc))
	defer C.free(unsafe.Pointer(cname))
	copts := (*[64]*C.char)(C.malloc(C.size_t(64 * unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(copts))
	if len(opts) > 64 {
		return nil, "", fmt.Errorf("nvrtc: %d options (at most 64)", len(opts))
	}
	for i, o := range opts {
		copts[i] = C.CString(o)
		defer C.free(unsafe.Pointer(copts[i]))
	}
	var out, clog *C.char
	var size C.size_t
	r := C.w_compile(csrc, cname, &copts[0], C.int(len(opts)), &out, &size, &clog)
	if clog != nil {
		log = C.GoString(clog)
		C.free(unsafe.Pointer(clog))
	}
	if out != nil {
		cubin = C.GoBytes(unsafe.Pointer(out), C.int(size))
		C.free(unsafe.Pointer(out))
	}
	if r != 0 {
		return nil, log, fmt.Errorf("nvrtc: compiling %s: %s", name, C.GoString(C.w_nvrtcGetErrorString(r)))
	}
	return cubin, log, nil
}

type cublasHandle = C.cublasHandle_t

func cublasErr(call string, r C.int) error {
	if r == 0 {
		return nil
	}
	return fmt.Errorf("%s: cuBLAS status %d", call, int(r))
}

func cublasCreate() (cublasHandle, int, error) {
	var h C.cublasHandle_t
	if err := cublasErr("cublasCreate", C.w_cublasCreate(&h)); err != nil {
		return nil, 0, err
	}
	var v C.int
	err := cublasErr("cublasGetVersion", C.w_cublasGetVersion(h, &v))
	return h, int(v), err
}

// cublasSgemm is column-major C = alpha·op(A)·op(B) + beta·C.
func cublasSgemm(h cublasHandle, ta, tb bool, m, n, k int, alpha float32, a devPtr, lda int, b devPtr, ldb int, beta float32, c devPtr, ldc int) error {
	return cublasErr("cublasSgemm", C.w_cublasSgemm(h, cop(ta), cop(tb), C.int(m), C.int(n), C.int(k), C.float(alpha),
		C.CUdeviceptr(a), C.int(lda), C.CUdeviceptr(b), C.int(ldb), C.float(beta), C.CUdeviceptr(c), C.int(ldc)))
}

// cublasGemmEx is cublasSgemm with element types (cudaDataType values) and
// fp32 accumulation (CUBLAS_COMPUTE_32F) through the default algorithm,
// which uses tensor cores for 16-bit operands.
func cublasGemmEx(h cublasHandle, ta, tb bool, m, n, k int, alpha float32, a devPtr, at, lda int, b devPtr, bt, ldb int, beta float32, c devPtr, ct, ldc int) error {
	const compute32F, algoDefault = 68, -1
	return cublasErr("cublasGemmEx", C.w_cublasGemmEx(h, cop(ta), cop(tb), C.int(m), C.int(n), C.int(k), C.float(alpha),
		C.CUdeviceptr(a), C.int(at), C.int(lda), C.CUdeviceptr(b), C.int(bt), C.int(ldb), C.float(beta),
		C.CUdeviceptr(c), C.int(ct), C.int(ldc), compute32F, algoDefault))
}

func cop(t bool) C.int {
	if t {
		return 1 // CUBLAS_OP_T
	}
	return 0 // CUBLAS_OP_N
}
