#!/bin/sh
# PyTorch and ssmlab side by side on one machine, in ROUNDS interleaved
# rounds (default 3): each round runs tools/torch_small.py and then
# tools/compare_device.sh for every ssmlab binary given, all pinned to the
# same 2 cores. One run of each moved by 20-30% between two calls 15
# minutes apart on the device's CPU; the medians over rounds that alternate
# the two sides are the figures to compare. Writes OUT/torch.jsonl and
# OUT/ssmlab.jsonl (each line tagged with its round) and prints a table of
# medians and their ratios, with the share of ssmlab's step spent in matrix
# products (gemm_seconds_per_step). HF Mamba training, about a minute a
# step on 2 threads, is timed in the first round only, so its figure is
# one run.
# Usage: ROUNDS=3 sh tools/side_by_side.sh OUT SSMLAB_BINARY...
set -eu
out=$1
shift
rounds=${ROUNDS:-3}
dir=$(dirname "$0")
mkdir -p "$out"
: > "$out/torch.jsonl"
: > "$out/ssmlab.jsonl"
r=1
while [ "$r" -le "$rounds" ]; do
  echo "round $r of $rounds" >&2
  fast=fast # HF Mamba training (minutes per round) runs in the first round only
  [ "$r" -eq 1 ] && fast=
  taskset -c 0,1 python3 "$dir/torch_small.py" 2 $fast | sed "s|^{|{\"round\":$r,|" >> "$out/torch.jsonl"
  tmp="$out/round$r.jsonl"
  sh "$dir/compare_device.sh" "$tmp" "$@"
  sed "s|^{|{\"round\":$r,|" "$tmp" >> "$out/ssmlab.jsonl"
  rm -f "$tmp"
  r=$((r + 1))
done
python3 - "$out" <<'EOF'
import json, statistics, sys
out = sys.argv[1]
med = lambda xs: statistics.median(xs) if xs else None
torch, ours, share = {}, {}, {}
for l in open(out + "/torch.jsonl"):
    d = json.loads(l)
    torch.setdefault((d["arch"], d["mode"], d["precision"]), []).append(d["tokens_per_s"])
for l in open(out + "/ssmlab.jsonl"):
    d = json.loads(l)
    k = (d["binary"].split("/")[-1], d["arch"], d["mode"], d["precision"], d["lora"])
    ours.setdefault(k, []).append(d["tokens_per_s"])
    if "gemm_seconds_per_step" in d:  # binaries from before it have no such key
        share.setdefault(k, []).append(d["gemm_seconds_per_step"] / d["seconds_per_step"])
print("| binary | arch | mode | precision | lora | ssmlab tokens/s (median [min-max]) | PyTorch | ratio | products |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for k, v in sorted(ours.items()):
    t = med(torch.get(k[1:4], [])) if not k[4] else None
    rng = "%.0f [%.0f-%.0f]" % (med(v), min(v), max(v))
    tt = "%.0f [%.0f-%.0f]" % (t, min(torch[k[1:4]]), max(torch[k[1:4]])) if t else "-"
    ratio = "%.2fx" % (med(v) / t) if t else "-"
    sh = "%.0f%%" % (100 * med(share[k])) if k in share else "-"
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (k + (rng, tt, ratio, sh)))
# The issue's mixed-precision targets: bf16 against fp32 on each side, and
# LoRA + bf16 against full fp32 training (speed and peak memory per token).
peak = {}
for l in open(out + "/ssmlab.jsonl"):
    d = json.loads(l)
    peak.setdefault((d["binary"].split("/")[-1], d["arch"], d["mode"], d["precision"], d["lora"]), []).append(d["peak_bytes_per_token"])
print()
print("| side | arch | mode | bf16 / fp32 tokens/s | LoRA+bf16 / fp32 tokens/s | LoRA+bf16 / fp32 peak bytes/token |")
print("| --- | --- | --- | --- | --- | --- |")
sides = sorted({k[0] for k in ours})
for arch in ("mamba", "gpt_neox"):
    for mode in ("train", "infer"):
        t32, t16 = med(torch.get((arch, mode, "fp32"), [])), med(torch.get((arch, mode, "bf16"), []))
        if t32 and t16:
            print("| PyTorch | %s | %s | %.2fx | - | - |" % (arch, mode, t16 / t32))
        for b in sides:
            f32, b16 = med(ours.get((b, arch, mode, "fp32", False), [])), med(ours.get((b, arch, mode, "bf16", False), []))
            lo = med(ours.get((b, arch, mode, "bf16", True), []))
            if not (f32 and b16):
                continue
            lr = "%.2fx" % (lo / f32) if lo else "-"
            pm = "%.2fx" % (med(peak[(b, arch, mode, "bf16", True)]) / med(peak[(b, arch, mode, "fp32", False)])) if lo else "-"
            print("| %s | %s | %s | %.2fx | %s | %s |" % (b, arch, mode, b16 / f32, lr, pm))
EOF
