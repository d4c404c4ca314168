#!/usr/bin/env bash
# The CLI is built on the public API alone: every #include "..." in tools/
# names Abseil, the public header, or a file of tools/ itself. (The schema
# generator tools/gen_formal_inputs.cc, a build-time helper that reads onnx's
# registry, is the one exception.)
#   usage: tools_include_check.sh SOURCE_DIR
set -euo pipefail
tools="$1/tools"
bad=0
while IFS= read -r file; do
  [ "$(basename "$file")" = gen_formal_inputs.cc ] && continue
  while IFS= read -r header; do
    case "$header" in
      absl/*|onnx_reinit/onnx_reinit.h) continue ;;
    esac
    if [ ! -f "$tools/$header" ]; then
      echo "${file#$1/}: includes \"$header\", which is neither the public API nor a file of tools/"
      bad=1
    fi
  done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$file")
done < <(find "$tools" -name '*.cc' -o -name '*.h')
if [ "$bad" = 0 ]; then echo "tools/ includes only the public API, Abseil and itself"; fi
exit "$bad"
