// A stand-in libcuda.so.1 for tests on machines without a GPU: device
// memory is host memory, and a module is the emulation library v_<id>.so
// (build.sh) in this library's folder, named by the "image" the stand-in
// NVRTC returns (source name and -D values).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <dlfcn.h>
typedef int CUresult;
extern "C" {
CUresult cuInit(unsigned) { return 0; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return 0; }
CUresult cuDeviceGet(int *d, int) { *d = 0; return 0; }
CUresult cuDeviceGetName(char *s, int n, int) { snprintf(s, n, "CPU emulation (tools/cudaemu)"); return 0; }
CUresult cuDeviceGetAttribute(int *v, int a, int) { *v = a == 75 ? 9 : a == 76 ? 0 : 4; return 0; }
CUresult cuDeviceTotalMem_v2(size_t *b, int) { *b = 8ull << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **c, int) { *c = (void *)1; return 0; }
CUresult cuCtxSetCurrent(void *) { return 0; }
CUresult cuCtxSynchronize(void) { return 0; }
CUresult cuMemAlloc_v2(unsigned long long *p, size_t n) { *p = (unsigned long long)calloc(1, n + 64); return *p ? 0 : 2; }
CUresult cuMemFree_v2(unsigned long long p) { free((void *)p); return 0; }
CUresult cuMemGetInfo_v2(size_t *f, size_t *t) { *f = *t = 8ull << 30; return 0; }
CUresult cuMemcpyHtoD_v2(unsigned long long d, const void *s, size_t n) { memcpy((void *)d, s, n); return 0; }
CUresult cuMemcpyDtoH_v2(void *d, unsigned long long s, size_t n) { memcpy(d, (void *)s, n); return 0; }
CUresult cuMemcpyDtoD_v2(unsigned long long d, unsigned long long s, size_t n) { memmove((void *)d, (void *)s, n); return 0; }
CUresult cuMemsetD32_v2(unsigned long long d, unsigned v, size_t n) { unsigned *p = (unsigned *)d; for (size_t i = 0; i < n; i++) p[i] = v; return 0; }
static std::string selfDir() {
    Dl_info info;
    if (!dladdr((void *)&selfDir, &info) || !info.dli_fname) return ".";
    std::string p = info.dli_fname;
    size_t i = p.rfind('/');
    return i == std::string::npos ? "." : p.substr(0, i);
}
CUresult cuModuleLoadData(void **m, const void *img) {
    std::string path = selfDir() + "/v_" + (const char *)img + ".so";
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "fakecuda: %s\n", dlerror()); return 200; }
    *m = h; return 0;
}
typedef void (*launcher)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void **);
CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
    *f = dlsym(m, (std::string("emu_") + name).c_str());
    return *f ? 0 : 500;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned, void *, void **args, void **) {
    ((launcher)f)(gx, gy, gz, bx, by, bz, args);
    return 0;
}
CUresult cuGetErrorString(CUresult r, const char **s) { static char b[64]; snprintf(b, 64, "fake error %d", r); *s = b; return 0; }
}
