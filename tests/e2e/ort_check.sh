#!/usr/bin/env bash
# ONNX Runtime loads and runs what onnx-reinit writes: every corpus model,
# re-initialized with every strategy, gives finite outputs.
#   usage: ort_check.sh CLI CORPUS_DIR ORT_DIR WORK_DIR
set -euo pipefail
cli=$1 corpus=$2 ort=$3 work=$4
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "onnxruntime-node is not installed: run 'npm ci --ignore-scripts --prefix $ort'" >&2
  exit 1
fi
strategies=(uniform zeros ones "constant(value=0.5)" random_sign small normal
            xavier_uniform xavier_normal he_uniform he_normal lecun_uniform
            lecun_normal fan_in_uniform glorot_uniform kaiming_normal)
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
for s in "${strategies[@]}"; do
  outputs=()
  for model in "$corpus"/*.onnx; do
    out="$work/$(basename "$model" .onnx).onnx"
    "$cli" "$model" -o "$out" --strategy="$s" --bias_strategy="$s" --seed=3 >/dev/null
    outputs+=("$out")
  done
  echo "== strategy $s"
  node "$ort/check_model.js" "${outputs[@]}"
  rm -f "${outputs[@]}"
done
echo "all strategies: every corpus model loads and runs with finite outputs"
