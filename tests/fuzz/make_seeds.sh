#!/usr/bin/env bash
# Seeds of the model fuzz targets (wire_scan, planner): make_seeds.sh
# CORPUS_SRC OUT EXTERNAL_SEED_MODEL [TESTDATA]
#   OUT/model/NAME.onnx           the corpus models (CORPUS_SRC/*.onnx.zst,
#                                 decompressed with zstd) of at most 64 KiB
#                                 (larger ones slow every mutation)
#   OUT/model/NAME.external.onnx  every corpus model with its values in
#                                 external data (external_seed_model.cc),
#                                 1 to 100 KB each
#   OUT/model/testdata_NAME.onnx  the model.onnx of each libonnx-testdata
#                                 case (TESTDATA, default
#                                 /usr/share/libonnx-testdata/data; skipped
#                                 when absent): 1,072 small graphs of every op
# Rewrites OUT/model from scratch; CMake runs it (target fuzz_seeds) when the
# corpus, this script or the tool change.
set -euo pipefail
src=$1 out=$2 tool=$3 testdata=${4:-/usr/share/libonnx-testdata/data}
dir=$out/model
rm -rf "$dir.new"
mkdir -p "$dir.new"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$dir.new"' EXIT
for zst in "$src"/*.onnx.zst; do
  name=$(basename "$zst" .onnx.zst)
  zstd -q -d -f "$zst" -o "$tmp/$name.onnx"
  if [ "$(stat -c %s "$tmp/$name.onnx")" -le $((64 << 10)) ]; then
    cp "$tmp/$name.onnx" "$dir.new/$name.onnx"
  fi
  "$tool" "$tmp/$name.onnx" "$dir.new/$name.external.onnx"
  rm -f "$tmp/$name.onnx"
done
if [ -d "$testdata" ]; then
  while IFS= read -r -d '' model; do
    case_dir=$(dirname "$model")
    cp "$model" "$dir.new/testdata_$(basename "$(dirname "$case_dir")")_$(basename "$case_dir").onnx"
  done < <(find "$testdata" -name model.onnx -print0)
fi
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "fuzz seeds: $(find "$dir" -type f | wc -l) models in $dir"
