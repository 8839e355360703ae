#!/usr/bin/env bash
# CPU throughput at real size, side by side on one machine: PyTorch (HF
# transformers, random init) against ssmlab's pure-Go build with each of its
# x86 GEMM kernels (SSMLAB_SGEMM=avx2, and the default: AVX-512 where the CPU
# has it), at 2 threads (pinned to 2 cores with taskset) and 16 threads.
# Shapes: pythia-160m (GPT-NeoX: vocab 50304, d_model 768, 12 layers, 12
# heads, MLP 3072, rotary_pct 0.25) and mamba-130m (vocab 50280, d_model 768,
# 24 layers, d_state 16, expand 2, conv 4); batch 1 x 512 tokens, fp32;
# infer = one forward over the sequence (no grad), train = zero grads,
# forward, next-token cross-entropy, backward, AdamW (lr 1e-4).
#
# Measurements are interleaved (PyTorch, ssmlab avx2, ssmlab default for
# one model/mode/thread count, then the next), one warm-up step and few
# timed steps each (mean tokens/s of the timed steps), so the whole run
# stays under about 6 minutes on a 16-core Xeon. Prints one JSON line per
# measurement (also appended to $JSONL) and a final table of tokens/s.
#
# Usage: tools/cpu_side_by_side_160m.sh SSMLAB_BINARY
# Environment: PYTHON (default python3, with torch and transformers),
#   THREADS (default "2 16"), MODELS (default "pythia-160m mamba-130m"),
#   MODES (default "infer train"), STEPS_INFER (3), STEPS_TRAIN (2),
#   JSONL (the file the JSON lines are appended to, or a folder to put
#   cpu_side_by_side_160m.jsonl in; default: the folder $OUT where that is
#   one, as on the device runner, else the current folder),
#   TIMEOUT (seconds per measurement, default 150),
#   PROFILE_DIR (a folder: the default-kernel ssmlab runs write pprof CPU
#   profiles there, MODEL-MODE-THREADS.prof, readable without the binary),
#   PT_MAMBA_TRAIN=1 to time HF Mamba training too (skipped by default:
#   without the mamba_ssm CUDA kernels it runs a reference scan in Python,
#   minutes a step at this size).
set -u
bin=${1:?usage: $0 SSMLAB_BINARY}
if [ ! -x "$bin" ]; then
  echo "$0: $bin is not an executable ssmlab binary" >&2
  exit 2
fi
PYTHON=${PYTHON:-python3}
THREADS=${THREADS:-"2 16"}
MODELS=${MODELS:-"pythia-160m mamba-130m"}
MODES=${MODES:-"infer train"}
STEPS_INFER=${STEPS_INFER:-3}
STEPS_TRAIN=${STEPS_TRAIN:-2}
if [ -z "${JSONL:-}" ]; then
  JSONL=.
  [ -d "${OUT:-}" ] && JSONL=$OUT
fi
[ -d "$JSONL" ] && JSONL=$JSONL/cpu_side_by_side_160m.jsonl
TIMEOUT=${TIMEOUT:-150}
if ! "$PYTHON" -c 'import torch, transformers' 2>/dev/null; then
  echo "$0: $PYTHON cannot import torch and transformers" >&2
  exit 2
fi
ncpu=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/pt.py" <<'EOF'
# One PyTorch measurement: python pt.py MODEL MODE THREADS STEPS; one JSON line.
import json, sys, time
import torch, transformers
model_name, mode, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
if model_name == "pythia-160m":
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM
    V = 50304
    m = GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=V, hidden_size=768, num_hidden_layers=12,
        num_attention_heads=12, intermediate_size=3072, rotary_pct=0.25, max_position_embeddings=2048))
else:
    from transformers import MambaConfig, MambaForCausalLM
    V = 50280
    m = MambaForCausalLM(MambaConfig(vocab_size=V, hidden_size=768, num_hidden_layers=24, state_size=16,
        expand=2, conv_kernel=4, pad_vocab_size_multiple=1))
ids = torch.randint(0, V, (1, 512))
train = mode == "train"
opt = torch.optim.AdamW(m.parameters(), lr=1e-4) if train else None
def step():
    if train:
        opt.zero_grad(set_to_none=True)
        m(input_ids=ids, labels=ids).loss.backward()
        opt.step()
    else:
        with torch.no_grad():
            m(input_ids=ids)
step()
times = []
for _ in range(steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"tokens_per_s": 512 * steps / sum(times), "tokens_per_s_median": 512 / times[len(times) // 2],
    "seconds_per_step": sum(times) / steps, "torch": torch.__version__, "transformers": transformers.__version__,
    "torch_threads": torch.get_num_threads()}))
EOF

cat > "$tmp/tag.py" <<'EOF'
# Reads one JSON object on stdin, adds the tags, prints one JSON line; on
# bad input prints an error record instead.
import json, sys
tags = json.loads(sys.argv[1])
raw = sys.stdin.read().strip().splitlines()
try:
    d = json.loads(raw[-1])
except Exception:
    d = {"error": (" | ".join(raw[-3:]) or "no output")[:400]}
keep = ("tokens_per_s", "tokens_per_s_median", "seconds_per_step", "cpu_seconds_per_step", "gemm_seconds_per_step",
        "matmul_path", "kernels", "gomaxprocs", "torch", "transformers", "torch_threads", "error")
out = dict(tags)
out.update({k: d[k] for k in keep if k in d})
print(json.dumps(out))
EOF

# cpus N: N CPUs on distinct physical cores where there are enough (one
# hyperthread of each core first), else the first N CPUs.
cpus() {
  local list
  list=$(lscpu -p=CPU,CORE,SOCKET 2>/dev/null | grep -v '^#' | awk -F, '!seen[$3","$2]++ {print $1}' | head -n "$1" | paste -sd, -)
  if [ -z "$list" ] || [ "$(echo "$list" | tr ',' '\n' | wc -l)" -lt "$1" ]; then
    list=0-$(($1 - 1))
  fi
  echo "$list"
}

pin() { # pin THREADS CMD...: run CMD on THREADS cores (unpinned if that is all of them)
  local n=$1; shift
  if command -v taskset >/dev/null && [ "$n" -lt "$ncpu" ]; then
    taskset -c "$(cpus "$n")" "$@"
  else
    "$@"
  fi
}

measure() { # measure IMPL MODEL MODE THREADS
  local impl=$1 model=$2 mode=$3 th=$4 steps=$STEPS_INFER
  [ "$mode" = train ] && steps=$STEPS_TRAIN
  local tags="{\"impl\":\"$impl\",\"model\":\"$model\",\"mode\":\"$mode\",\"threads\":$th,\"steps\":$steps,\"pinned\":$([ "$th" -lt "$ncpu" ] && echo true || echo false)}"
  local args
  if [ "$model" = pythia-160m ]; then
    args="--arch gpt_neox --vocab 50304 --d-model 768 --layers 12 --heads 12"
  else
    args="--arch mamba --vocab 50280 --d-model 768 --layers 24"
  fi
  if [ "$impl" = pytorch ] && [ "$model" = mamba-130m ] && [ "$mode" = train ] && [ -z "${PT_MAMBA_TRAIN:-}" ]; then
    # HF Mamba without the mamba_ssm CUDA kernels trains through a Python
    # loop over the sequence: minutes a step at this size on CPU.
    echo "{\"error\":\"skipped: HF Mamba training on CPU runs its reference scan (minutes a step); PT_MAMBA_TRAIN=1 runs it\"}" > "$tmp/out"
  else
    local rc=0
    case $impl in
    pytorch)
      OMP_NUM_THREADS=$th MKL_NUM_THREADS=$th pin "$th" timeout "$TIMEOUT" "$PYTHON" "$tmp/pt.py" "$model" "$mode" "$th" "$steps" > "$tmp/out" 2>&1 || rc=$? ;;
    ssmlab-avx2)
      SSMLAB_SGEMM=avx2 pin "$th" timeout "$TIMEOUT" "$bin" bench $args --batch 1 --seq 512 --mode "$mode" \
        --threads "$th" --steps "$steps" --warmup 1 --backend go > "$tmp/out" 2>&1 || rc=$? ;;
    ssmlab-default)
      local prof=()
      [ -n "${PROFILE_DIR:-}" ] && prof=(--cpuprofile "$PROFILE_DIR/$model-$mode-$th.prof")
      pin "$th" timeout "$TIMEOUT" "$bin" bench $args --batch 1 --seq 512 --mode "$mode" \
        --threads "$th" --steps "$steps" --warmup 1 --backend go "${prof[@]}" > "$tmp/out" 2>&1 || rc=$? ;;
    esac
    if [ "$rc" = 124 ]; then
      echo "{\"error\":\"timed out after $TIMEOUT s (TIMEOUT raises the limit)\"}" >> "$tmp/out"
    elif [ "$rc" != 0 ]; then
      echo "{\"error\":\"exit status $rc: $(tail -n 2 "$tmp/out" | tr -d '"\\' | tr '\n' ' ' | cut -c1-300)\"}" >> "$tmp/out"
    fi
  fi
  "$PYTHON" "$tmp/tag.py" "$tags" < "$tmp/out" | tee -a "$JSONL"
}

echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p' | head -1), $ncpu CPUs; $("$bin" version 2>/dev/null | head -1)" >&2
echo "# $(lscpu | grep -o 'avx512[a-z_0-9]*' | sort -u | tr '\n' ' ')" >&2
echo "# 2 threads pinned to CPUs $(cpus 2); $(lscpu | grep -E '^(Thread|Core)' | tr -s ' ' | paste -sd';' -)" >&2
start=$(date +%s)
: > "$tmp/run.jsonl"
for th in $THREADS; do
  for model in $MODELS; do
    for mode in $MODES; do
      for impl in pytorch ssmlab-avx2 ssmlab-default; do
        measure "$impl" "$model" "$mode" "$th" | tee -a "$tmp/run.jsonl"
      done
    done
  done
done
echo "# $(( $(date +%s) - start )) s in all" >&2

"$PYTHON" - "$tmp/run.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
impls = ["pytorch", "ssmlab-avx2", "ssmlab-default"]
paths = sorted({r["matmul_path"] for r in rows if r.get("matmul_path")})
print("\ntokens/s (batch 1 x 512, fp32; mean over the timed steps)")
print("| model | mode | threads | " + " | ".join(impls) + " | default / pytorch |")
print("| --- | --- | --- | " + " | ".join("---" for _ in impls) + " | --- |")
keys = []
for r in rows:
    k = (r["model"], r["mode"], r["threads"])
    if k not in keys:
        keys.append(k)
for k in keys:
    v = {r["impl"]: r for r in rows if (r["model"], r["mode"], r["threads"]) == k}
    def cell(i):
        if i in v and "tokens_per_s" in v[i]:
            return "%.0f" % v[i]["tokens_per_s"]
        e = v.get(i, {}).get("error", "")
        return "skipped" if e.startswith("skipped") else "timed out" if e.startswith("timed out") else "error"
    ratio = ""
    if all(i in v and "tokens_per_s" in v[i] for i in ("pytorch", "ssmlab-default")):
        ratio = "%.2fx" % (v["ssmlab-default"]["tokens_per_s"] / v["pytorch"]["tokens_per_s"])
    print("| %s | %s | %d | %s | %s |" % (k[0], k[1], k[2], " | ".join(cell(i) for i in impls), ratio))
print("\nssmlab matmul paths: " + "; ".join(paths))
EOF
