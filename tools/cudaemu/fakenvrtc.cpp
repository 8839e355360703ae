// A stand-in libnvrtc.so.13: "compiling" names the emulation library of
// the source and its -D values (fakecuda.cpp loads it).
#include <cstring>
#include <string>
#include <cstdlib>
struct Prog { std::string name, id; };
extern "C" {
int nvrtcVersion(int *a, int *b) { *a = 0; *b = 1; return 0; } // never a real version: cache keys differ from real images
int nvrtcCreateProgram(void **p, const char *, const char *name, int, const char **, const char **) { *p = new Prog{name, ""}; return 0; }
int nvrtcCompileProgram(void *pp, int n, const char **opts) {
    Prog *p = (Prog *)pp;
    std::string id = p->name.substr(0, p->name.size() - 3);
    for (int i = 0; i < n; i++) if (!strncmp(opts[i], "-D", 2)) { const char *eq = strchr(opts[i], '='); id += "_"; id += eq ? eq + 1 : opts[i] + 2; }
    p->id = id; return 0;
}
int nvrtcGetProgramLogSize(void *, size_t *n) { *n = 1; return 0; }
int nvrtcGetProgramLog(void *, char *s) { s[0] = 0; return 0; }
int nvrtcGetCUBINSize(void *p, size_t *n) { *n = ((Prog *)p)->id.size() + 1; return 0; }
int nvrtcGetCUBIN(void *p, char *s) { strcpy(s, ((Prog *)p)->id.c_str()); return 0; }
int nvrtcDestroyProgram(void **p) { delete (Prog *)*p; return 0; }
const char *nvrtcGetErrorString(int) { return "fake nvrtc error"; }
}
