# Generates the C++ translation units of the kernel emulation (README.md):
# one per kernel file and set of defines, the source in a namespace with
# `extern "C"` dropped, and a registered wrapper per kernel that unpacks
# the launch's 8-byte argument slots into its parameters.
# Usage: python3 gen.py PACKAGE_DIR (a scratch copy of models/cuda)
import os, re, subprocess, sys

pkg = sys.argv[1]
# defines the Go side compiles each file with (module.go's load)
DEFINES = {"neox.cu": [[f"-DHD={h}"] for h in (8, 16, 24, 32, 64, 80, 128)],
           "mamba": [[f"-DSSM_N={n}"] for n in (4, 8, 16, 32)]}
# kernels without barriers or shuffles: their threads run one after another
# (a barrier reached in one aborts the run); the others run as fibers
SEQ = set("""nx_to nx_from nx_embed nx_embed_bwd nx_bias nx_gelu nx_gelu_bwd nx_residual nx_rotary nx_ln_wsum
adamw to_half from_half embedding_fwd_t embedding_bwd to_act from_act add_act add_bias bias_grad
embedding_fwd to_bf16 from_bf16 add_bf16 add3 gelu_fwd neg_exp""".split())


def base(name):
    for s in ("_f32", "_bf16", "_f16", "_fp16"):
        if name.endswith(s):
            return name[: -len(s)]
    return name


def sigs(src, defines):
    pre = subprocess.run(["g++", "-E", "-P", "-x", "c++", "-D__global__=", "-D__launch_bounds__(x)=", *defines, "-"],
                         input=src, capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r'extern\s+"C"\s+void\s+(\w+)\s*\(([^)]*)\)', pre):
        yield m.group(1), [p.strip() for p in m.group(2).split(",") if p.strip()]


def unpack(p, i):
    t = re.match(r"(.*?)(\w+)$", p).group(1).strip()
    if "*" in t:
        return f"({t})(uintptr_t)a[{i}]"
    if t == "int":
        return f"(int)(uint32_t)a[{i}]"
    if t == "long long":
        return f"(long long)a[{i}]"
    if t == "float":
        return f"emu_f32(a[{i}])"
    sys.exit(f"gen.py: parameter type {t!r} of {p!r} is not emulated")


prelude = open(os.path.join(pkg, "kernels", "prelude.cu")).read()
files = sorted(f for f in os.listdir(os.path.join(pkg, "kernels")) if f.endswith(".cu") and f != "prelude.cu")
k = 0
for f in files:
    src = open(os.path.join(pkg, "kernels", f)).read()
    sets = DEFINES.get(f) or DEFINES.get("mamba" if f.startswith("mamba") else "", [[]])
    for defs in sets:
        inc = f"emu_src{k}.inc"
        open(os.path.join(pkg, inc), "w").write(src.replace('extern "C"', ""))
        lines = ['#include "emu.h"', f"namespace emu_m{k} {{"]
        for d in defs:
            lines.append("#define " + d[2:].replace("=", " "))
        lines.append(f'#include "{inc}"')
        key = f + "".join(" " + d for d in defs)
        for i, (name, params) in enumerate(sigs(prelude + "\n" + src, defs)):
            args = ", ".join(unpack(p, j) for j, p in enumerate(params))
            lines.append(f"static void w{i}(const uint64_t *a) {{ {name}({args}); }}")
            lines.append(f'static EmuReg r{i}("{key}", "{name}", w{i}, {int(base(name) in SEQ)}, {len(params)});')
        lines.append("}")
        open(os.path.join(pkg, f"emu_unit{k}.cpp"), "w").write("\n".join(lines) + "\n")
        k += 1
