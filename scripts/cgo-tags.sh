#!/bin/sh
# Prints the Go build tags for the optional cgo backends whose libraries are
# installed here: openblas (libopenblas-dev) and onednn (libdnnl-dev 2.x).
# Each is switched on only if a tiny C program calling the functions the
# backend uses compiles and links. Set SSMLAB_PURE_GO=1 (or CGO_ENABLED=0)
# to build the pure-Go binary regardless.
[ "${SSMLAB_PURE_GO:-0}" = 1 ] && exit 0
[ "${CGO_ENABLED:-1}" = 0 ] && exit 0
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || exit 0
tmp=$(mktemp -d) || exit 0
trap 'rm -rf "$tmp"' EXIT
tags=""
try() { # tag header libs body
  printf '#include <%s>\nint main(void){%s return 0;}\n' "$2" "$4" >"$tmp/t.c"
  # shellcheck disable=SC2086 # $3 is a list of -l flags
  if "$CC" "$tmp/t.c" -o "$tmp/t" $3 >/dev/null 2>&1; then tags="$tags $1"; fi
}
try openblas cblas.h -lopenblas 'openblas_set_num_threads(1);'
# oneDNN 3.x replaced the *_desc_init C API the backend uses: probe for it.
try onednn oneapi/dnnl/dnnl.h '-ldnnl -ldl' \
  'dnnl_matmul_desc_t d; if (dnnl_matmul_desc_init(&d, 0, 0, 0, 0) == dnnl_success) return 1;'
echo $tags
