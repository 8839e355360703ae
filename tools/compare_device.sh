#!/bin/sh
# Side-by-side throughput on the device machine's CPU: PyTorch (HF
# transformers) and ssmlab, each pinned to the same 2 cores with taskset,
# at the reference "small" size (vocab 256, d_model 128, 4 layers, batch 8,
# sequence 256). Writes one JSON line per measurement to $1.
# Usage: sh tools/compare_device.sh OUT.jsonl SSMLAB_BINARY...
out=$1; shift
cores=0,1
lscpu | grep -E "Model name|^Flags" | sed 's/^/# /' >&2
for bin in "$@"; do
  for arch in mamba gpt_neox; do
    for mode in train infer; do
      for prec in fp32 bf16; do
        taskset -c $cores $bin bench --arch $arch --vocab 256 --d-model 128 --layers 4 --batch 8 --seq 256 \
          --mode $mode --precision $prec --steps 5 --threads 2 | sed "s|^{|{\"binary\":\"$bin\",|" >> $out
      done
    done
    taskset -c $cores $bin bench --arch $arch --vocab 256 --d-model 128 --layers 4 --batch 8 --seq 256 \
      --mode train --precision bf16 --lora --steps 5 --threads 2 | sed "s|^{|{\"binary\":\"$bin\",|" >> $out
  done
done
