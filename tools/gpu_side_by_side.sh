#!/bin/sh
# PyTorch (HF transformers, tools/gpu_anchor.py) and ssmlab's CUDA backend
# on the same GPU in one command, at the paper's smallest real shapes
# (mamba-130m: vocab 50280, d_model 768, 24 layers; pythia-160m: vocab
# 50304, d_model 768, 12 layers, 12 heads; batch B x T tokens). Prints one
# JSON line per measurement, the anchor's then ssmlab's. ssmlab runs only
# what its GPU backend has (fp32 inference of both, bf16 of Mamba); the
# anchor runs ANCHOR_ONLY's measurements (default: the matching ones plus
# the bf16 inference the target compares with; ANCHOR_ONLY=all runs them all,
# minutes of HF Mamba training included).
# Usage: sh tools/gpu_side_by_side.sh SSMLAB_BINARY [B] [T] [steps]
set -eu
bin=$1
B=${2:-8}
T=${3:-512}
steps=${4:-10}
dir=$(dirname "$0")
only=${ANCHOR_ONLY:-mamba-130m/infer/full-fp32,mamba-130m/infer/full-bf16,pythia-160m/infer/full-fp32,pythia-160m/infer/full-bf16}
[ "$only" = all ] && only=
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/# gpu: /' >&2 || true
PYTHONUNBUFFERED=1 ANCHOR_ONLY=$only python3 "$dir/gpu_anchor.py" "$B" "$T" 3
"$bin" bench --device cuda --arch mamba --vocab 50280 --d-model 768 --layers 24 --batch "$B" --seq "$T" \
  --mode infer --precision fp32 --steps "$steps" --warmup 2
"$bin" bench --device cuda --arch gpt_neox --vocab 50304 --d-model 768 --layers 12 --heads 12 --batch "$B" --seq "$T" \
  --mode infer --precision fp32 --steps "$steps" --warmup 2
"$bin" bench --device cuda --arch mamba --vocab 50280 --d-model 768 --layers 24 --batch "$B" --seq "$T" \
  --mode infer --precision bf16 --steps "$steps" --warmup 2
