#!/usr/bin/env bash
# Fresh Debian 12 machine -> installed dependencies (incl. ONNX Runtime for
# node, from npm), full build, and the whole test suite under CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
(cd tests/ort && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNX_REINIT_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
cd build && ctest --output-on-failure -j"$(nproc)"
