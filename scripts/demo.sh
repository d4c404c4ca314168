#!/usr/bin/env bash
# Fresh Debian 12 machine -> installed dependencies, built CLI, and a run on the
# bundled example (a torch-exported ResNet-18 with zeroed weights).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DONNX_REINIT_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target onnx-reinit
mkdir -p build/examples
zstd -q -d -f examples/resnet18.onnx.zst -o build/examples/resnet18.onnx
echo
echo "\$ build/bin/onnx-reinit build/examples/resnet18.onnx --plan > build/examples/plan.txt   # first rows:"
build/bin/onnx-reinit build/examples/resnet18.onnx --plan > build/examples/plan.txt
head -6 build/examples/plan.txt
echo
echo "\$ build/bin/onnx-reinit build/examples/resnet18.onnx -o build/examples/resnet18_reinit.onnx --seed=1 --report=build/examples/report.json"
build/bin/onnx-reinit build/examples/resnet18.onnx -o build/examples/resnet18_reinit.onnx \
  --seed=1 --report=build/examples/report.json
