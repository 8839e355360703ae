#!/bin/sh
# Prints the Go build tags for the optional cgo backends whose libraries are
# installed here: openblas (libopenblas-dev) and onednn (libdnnl-dev). Each is
# switched on only if a tiny C program including its header links. Set
# SSMLAB_PURE_GO=1 (or CGO_ENABLED=0) to build the pure-Go binary regardless.
[ "${SSMLAB_PURE_GO:-0}" = 1 ] && exit 0
[ "${CGO_ENABLED:-1}" = 0 ] && exit 0
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || exit 0
tmp=$(mktemp -d) || exit 0
trap 'rm -rf "$tmp"' EXIT
tags=""
try() { # tag header lib
  printf '#include <%s>\nint main(void){return 0;}\n' "$2" >"$tmp/t.c"
  if "$CC" "$tmp/t.c" -o "$tmp/t" "$3" >/dev/null 2>&1; then tags="$tags $1"; fi
}
try openblas cblas.h -lopenblas
try onednn oneapi/dnnl/dnnl.h -ldnnl
echo $tags
