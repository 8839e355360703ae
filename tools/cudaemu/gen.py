"""gen.py KERNELS OUT FILE ID DEFINES...: writes OUT/v_ID.cpp, the kernel
source KERNELS/FILE (after KERNELS/prelude.cu, its PTX fp16 conversions
replaced by _Float16 ones) with a launch wrapper emu_<name> for every
extern "C" kernel, compiled by build.sh into the library fakecuda.cpp
loads for module ID."""
import os, re, subprocess, sys
kdir, out_dir, f, vid, defs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
src = open(os.path.join(kdir, f)).read()
pre = open(os.path.join(kdir, 'prelude.cu')).read()
pre = re.sub(r'__device__ __forceinline__ float h2f\(unsigned short h\) \{.*?\}\n',
             '__device__ __forceinline__ float h2f(unsigned short h) { _Float16 x; memcpy(&x, &h, 2); return (float)x; }\n', pre)
pre = re.sub(r'__device__ __forceinline__ unsigned short f2h\(float f\) \{.*?\}\n',
             '__device__ __forceinline__ unsigned short f2h(float f) { _Float16 x = (_Float16)f; unsigned short h; memcpy(&h, &x, 2); return h; }\n', pre)
if 'asm(' in pre:
    sys.exit('gen.py: prelude.cu has inline PTX the emulation cannot run')
here = os.path.dirname(os.path.abspath(__file__))
body = '#include "%s/emu.h"\n' % here + pre + '\n' + src
tmp = os.path.join(out_dir, 'pre_%s.cpp' % vid)
open(tmp, 'w').write(body)
out = subprocess.run(['g++', '-std=c++20', '-E', '-P', '-include', 'cstring'] + ['-D' + d for d in defs] + [tmp], capture_output=True, text=True, check=True).stdout
w = []
for m in re.finditer(r'extern\s+"C"\s+void\s+(\w+)\s*\(([^)]*)\)\s*\{', out):
    name, params = m.group(1), m.group(2)
    ps = [p.strip() for p in params.split(',') if p.strip()]
    casts = []
    for i, p in enumerate(ps):
        typ = re.sub(r'\b\w+\s*$', '', p).strip()  # drop the parameter name
        casts.append('*(%s *)a[%d]' % (typ, i))
    w.append('static void k_%s(void **a) { %s(%s); }\nextern "C" void emu_%s(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void **a) { emu_launch(k_%s, gx, gy, gz, bx, by, bz, a); }' % (name, name, ', '.join(casts), name, name))
open(os.path.join(out_dir, 'v_%s.cpp' % vid), 'w').write(body + '\n' + '\n'.join(w) + '\n')

