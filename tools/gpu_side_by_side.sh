#!/bin/sh
# PyTorch (HF transformers + PEFT, tools/gpu_anchor.py) and ssmlab's CUDA
# backend on the same GPU in one command, at the paper's smallest real
# shapes (mamba-130m: vocab 50280, d_model 768, 24 layers; pythia-160m:
# vocab 50304, d_model 768, 12 layers, 12 heads), batch B x T tokens, AdamW:
# training in full fp32, full bf16 autocast, LoRA on every linear bf16 and
# LoRA on x_proj (Mamba) / query_key_value (Pythia) bf16, and inference in
# fp32 and bf16. Prints one Markdown table (tools/gpu_table.py): tokens/s
# and peak bytes per token of each side, ssmlab's speed ratio, and the
# trainable parameters of each (a check that both adapt the same linears).
#
# The anchor runs ANCHOR_ONLY's measurements (comma-separated
# model/mode/setting, e.g. mamba-130m/train/full-fp32). The default skips HF
# Mamba training, which without mamba_ssm's kernels takes about 15 s a step
# at 8 x 512 (minutes for the four settings); ANCHOR_ONLY=all runs it. An
# ssmlab setting the GPU backend does not run yet is a row with its error.
# The raw JSON lines are kept in $OUT/side_by_side (or a temporary folder).
#
# Usage: sh tools/gpu_side_by_side.sh SSMLAB_BINARY [B] [T] [steps]
set -eu
bin=$1
B=${2:-8}
T=${3:-512}
steps=${4:-10}
dir=$(dirname "$0")
raw=${OUT:-$(mktemp -d)}/side_by_side
mkdir -p "$raw"
only=${ANCHOR_ONLY:-pythia-160m/train/full-fp32,pythia-160m/train/full-bf16,pythia-160m/train/lora-all-bf16,pythia-160m/train/lora-sub-bf16,mamba-130m/infer/full-fp32,mamba-130m/infer/full-bf16,pythia-160m/infer/full-fp32,pythia-160m/infer/full-bf16}
[ "$only" = all ] && only=
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/# gpu: /' >&2 || true
PYTHONUNBUFFERED=1 ANCHOR_ONLY=$only python3 "$dir/gpu_anchor.py" "$B" "$T" 3 | grep '^{' > "$raw/anchor.jsonl" || true

# ssmlab: one bench per (model, mode, setting); its JSON, or its error, in a file.
bench() { # model mode setting args...
  m=$1 mode=$2 s=$3
  shift 3
  f="$raw/ssmlab_${m}_${mode}_${s}"
  if "$bin" bench --device cuda --batch "$B" --seq "$T" --mode "$mode" --steps "$steps" --warmup 2 "$@" >"$f.json" 2>"$f.err"; then
    rm -f "$f.err"
  else
    rm -f "$f.json"
  fi
}
mamba="--arch mamba --vocab 50280 --d-model 768 --layers 24"
pythia="--arch gpt_neox --vocab 50304 --d-model 768 --layers 12 --heads 12"
for m in mamba-130m pythia-160m; do
  case $m in mamba-130m) shape=$mamba sub=x_proj ;; *) shape=$pythia sub=query_key_value ;; esac
  # shellcheck disable=SC2086 # $shape is a list of flags
  bench $m train full-fp32 $shape --precision fp32
  bench $m train full-bf16 $shape --precision bf16
  bench $m train lora-all-bf16 $shape --precision bf16 --lora
  bench $m train lora-sub-bf16 $shape --precision bf16 --lora --lora-targets $sub
  bench $m infer full-fp32 $shape --precision fp32
  bench $m infer full-bf16 $shape --precision bf16
done
python3 "$dir/gpu_table.py" "$raw" "$B" "$T"
