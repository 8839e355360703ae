# The table of tools/gpu_side_by_side.sh: PyTorch's anchor (anchor.jsonl,
# one JSON line per measurement of tools/gpu_anchor.py) beside ssmlab's
# bench --device cuda (ssmlab_<model>_<mode>_<setting>.json, or .err with
# the error) for every (model, mode, setting). Measurements one side did
# not run are "—"; ssmlab errors are quoted in a note under the table.
# Usage: python3 tools/gpu_table.py DIR B T
import glob, json, os, sys

raw, B, T = sys.argv[1], sys.argv[2], sys.argv[3]
anchor, ours, errors, gpu, torch = {}, {}, {}, "", ""
for line in open(os.path.join(raw, "anchor.jsonl")) if os.path.exists(os.path.join(raw, "anchor.jsonl")) else []:
    d = json.loads(line)
    key = (d.get("model"), d.get("mode", "train"), d.get("setting"))
    anchor[key] = d
    gpu, torch = d.get("gpu", gpu), d.get("torch", torch)
for f in sorted(glob.glob(os.path.join(raw, "ssmlab_*"))):
    m, mode, setting = os.path.basename(f)[len("ssmlab_"):].rsplit(".", 1)[0].split("_")
    if f.endswith(".json"):
        ours[(m, mode, setting)] = json.load(open(f))
    else:
        lines = open(f).read().strip().splitlines()
        errors[(m, mode, setting)] = lines[0] if lines else "failed"


def num(v, fmt):
    return "—" if v is None else fmt.format(v)


print(f"GPU: {gpu or '(no anchor result)'}; PyTorch {torch or '—'}; batch {B} x {T} tokens; "
      "train = zero grads, forward, cross-entropy, backward, AdamW; infer = one forward pass")
print()
print("| model | mode | setting | PyTorch tokens/s | ssmlab tokens/s | ssmlab / PyTorch | PyTorch peak bytes/token | ssmlab peak bytes/token | ssmlab trainable params |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
keys = sorted(set(anchor) | set(ours) | set(errors), key=lambda k: (k[0], k[1] != "train", k[2]))
for k in keys:
    a, o = anchor.get(k, {}), ours.get(k, {})
    if "error" in a:
        a = {}
    at, ot = a.get("tokens_per_s"), o.get("tokens_per_s_median", o.get("tokens_per_s"))
    ratio = f"{ot / at:.2f}x" if at and ot else "—"
    cell = num(ot, "{:,.0f}") if k not in errors else "error (below)"
    print(f"| {k[0]} | {k[1]} | {k[2]} | {num(at, '{:,.0f}')} | {cell} | {ratio} | "
          f"{num(a.get('peak_bytes_per_token'), '{:,.0f}')} | {num(o.get('peak_bytes_per_token'), '{:,.0f}')} | "
          f"{num(o.get('trainable_params'), '{:,}')} |")
notes = [f"- ssmlab {'/'.join(k)}: {e}" for k, e in sorted(errors.items())]
notes += [f"- PyTorch {'/'.join(str(x) for x in k)}: {a['error']}" for k, a in sorted(anchor.items(), key=lambda kv: str(kv[0])) if "error" in a]
if notes:
    print()
    print("\n".join(notes))
print()
print("ssmlab tokens/s is the median step's (bench's tokens_per_s_median), PyTorch's the mean of its timed steps.")
