#!/bin/sh
# Runs models/cuda's GPU tests on the CPU (README.md): a scratch copy of the
# working tree with the CUDA shim swapped for the emulation.
# Usage, from the repository root: sh tools/cudaemu/run.sh [go test flags]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar --exclude=./.git --exclude=./.gpu -cf - . | (cd "$work" && tar -xf -)
p=$work/models/cuda
rm -f "$p/shim_cgo.go" "$p/shim_stub.go"
cp "$here/emu.h" "$here/emu_rt.cpp" "$p/"
cp "$here/shim_emu.go.txt" "$p/shim_emu.go"
python3 "$here/gen.py" "$p"
cd "$work" && SSMLAB_CUDA_CACHE="$work/cache" CGO_ENABLED=1 go test "$@" ./models/cuda
