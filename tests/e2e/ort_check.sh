#!/usr/bin/env bash
# ONNX Runtime loads and runs what onnx-reinit writes: every corpus model,
# re-initialized with every strategy, runs and gives finite outputs.
# Exception, by arithmetic rather than by choice: with a non-zero constant
# (`ones`, `constant(value=0.5)`) in every weight, a deep net without
# normalization (resnet18 with folded BatchNorm, squeezenet) multiplies its
# activations by about fan_in per layer and overflows float32; for those two
# strategies the models must load and run, and non-finite outputs are counted
# but allowed.
#   usage: ort_check.sh CLI CORPUS_DIR ORT_DIR WORK_DIR
set -uo pipefail
cli=$1 corpus=$2 ort=$3 work=$4
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "onnxruntime-node is not installed: run 'npm ci --ignore-scripts' in $ort" >&2
  exit 1
fi
strategies=(uniform zeros ones "constant(value=0.5)" random_sign small normal
            xavier_uniform xavier_normal he_uniform he_normal lecun_uniform
            lecun_normal fan_in_uniform glorot_uniform kaiming_normal
            fan_out_uniform truncated_normal "truncated_normal(std=0.02)"
            variance_scaling "he_normal(flavor=keras)" gpt2 orthogonal
            "sparse(sparsity=0.5, std=0.05)")
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
failed=0
for s in "${strategies[@]}"; do
  outputs=()
  for model in "$corpus"/*.onnx; do
    out="$work/$(basename "$model" .onnx).onnx"
    if ! "$cli" "$model" -o "$out" --strategy="$s" --bias_strategy="$s" --seed=3 >/dev/null; then
      echo "FAIL onnx-reinit $model --strategy=$s"
      failed=1
      continue
    fi
    outputs+=("$out")
  done
  allow=()
  case "$s" in ones|constant*) allow=(--allow-nonfinite) ;; esac
  echo "== strategy $s"
  node "$ort/check_model.js" "${allow[@]}" "${outputs[@]}" || failed=1
  rm -f "${outputs[@]}"
done
# The profiles: torch's and Keras's own per-layer initialization.
for profile in torch keras; do
  outputs=()
  for model in "$corpus"/*.onnx; do
    out="$work/$(basename "$model" .onnx).onnx"
    if ! "$cli" "$model" -o "$out" --profile=$profile --seed=3 >/dev/null; then
      echo "FAIL onnx-reinit $model --profile=$profile"
      failed=1
      continue
    fi
    outputs+=("$out")
  done
  echo "== profile $profile"
  node "$ort/check_model.js" "${outputs[@]}" || failed=1
  rm -f "${outputs[@]}"
done
# A model with external data (tests/support/large_model.h): the output model
# and its data file load and run.
make_large_model="$(dirname "$cli")/make_large_model"
mkdir -p "$work/ext_in" "$work/ext_out"
"$make_large_model" "$work/ext_in" 2 64 >/dev/null
"$cli" "$work/ext_in/model.onnx" -o "$work/ext_out/model.onnx" --seed=3 >/dev/null || failed=1
echo "== external data"
node "$ort/check_model.js" "$work/ext_out/model.onnx" || failed=1
if [ "$failed" != 0 ]; then
  echo "some models failed the ONNX Runtime check"
  exit 1
fi
echo "every strategy: every corpus model loads and runs in ONNX Runtime"
