#!/bin/sh
# build.sh [OUT]: builds the CPU stand-ins for the CUDA driver, NVRTC and
# cuBLAS (libcuda.so.1, libnvrtc.so.13, libcublas.so.13) and one emulation
# library per kernel module the models load, into OUT (default
# ${TMPDIR:-/tmp}/ssmlab-cudaemu). Needs g++ (C++20) and python3.
#
# Then the GPU code paths run on the CPU, for example:
#   SSMLAB_CUDA_LIBS=OUT SSMLAB_CUDA_CACHE=OUT/cache go test ./models/cuda/
# (make test-gpu-emu does both). This checks the Go glue, the cuBLAS calls'
# shapes and strides and the kernels' arithmetic against the CPU models;
# it says nothing of speed, and a GPU's concurrency (atomics, warps) is
# emulated in lock step, so it does not replace make test-gpu on a GPU.
set -e
here=$(cd "$(dirname "$0")" && pwd)
kdir="$here/../../models/cuda/kernels"
out=${1:-${TMPDIR:-/tmp}/ssmlab-cudaemu}
mkdir -p "$out"
CXX=${CXX:-g++}
cxx() { $CXX -std=c++20 -O1 -w -fPIC -shared -fno-gnu-unique -include cstring "$@"; }
cxx -o "$out/libcuda.so.1" "$here/fakecuda.cpp" -ldl
cxx -o "$out/libnvrtc.so.13" "$here/fakenvrtc.cpp"
cxx -o "$out/libcublas.so.13" "$here/fakecublas.cpp"
variant() { # file id defines...
	f=$1 id=$2
	shift 2
	python3 "$here/gen.py" "$kdir" "$out" "$f" "$id" "$@"
	defs=""
	for d in "$@"; do defs="$defs -D$d"; done
	cxx $defs -o "$out/v_$id.so" "$out/v_$id.cpp"
}
variant train.cu train
variant common.cu common
for n in 1 2 4 8 16 32; do
	variant mamba.cu "mamba_$n" "SSM_N=$n"
	variant mamba_train.cu "mamba_train_$n" "SSM_N=$n"
done
for hd in 4 8 12 16 24 32 48 64 80 96 128; do
	variant neox.cu "neox_$hd" "HD=$hd"
done
echo "$out"
