#!/usr/bin/env bash
# The AVX2+FMA build of the orthogonal kernels must not define any symbol the
# linker could merge with the rest of the library: every external or weak
# symbol of its object is in its own namespaces (Eigen renamed to
# onnx_reinit_eigen_avx2_fma, the kernels in onnx_reinit::kernels_avx2_fma).
# Otherwise the linker may keep the AVX2 copy of, say, an inline std function
# for baseline code too, and the tool would crash on a CPU without AVX2.
#   usage: simd_symbols_check.sh OBJECT...   (the library's object files)
set -uo pipefail
object=""
for o in "$@"; do
  case "$o" in *orthogonal_kernels_avx2_fma.cc.o) object=$o ;; esac
done
if [ -z "$object" ]; then
  echo "no orthogonal_kernels_avx2_fma.cc.o among the objects" >&2
  exit 1
fi
symbols=$(nm -C --defined-only "$object" | awk '$2 ~ /^[A-Zuvw]$/')
if ! grep -q "onnx_reinit::kernels_avx2_fma::kFloat" <<<"$symbols"; then
  echo "$object does not define the AVX2+FMA kernels" >&2
  exit 1
fi
shared=$(grep -v -e " onnx_reinit_eigen_avx2_fma::" \
  -e " onnx_reinit::kernels_avx2_fma::" \
  -e " DW.ref.__gxx_personality_v0$" <<<"$symbols")
if [ -n "$shared" ]; then
  echo "$object defines symbols outside its own namespaces:" >&2
  echo "$shared" >&2
  exit 1
fi
echo "$(wc -l <<<"$symbols") external symbols, all in the AVX2+FMA namespaces"
