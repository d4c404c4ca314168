#!/usr/bin/env bash
# Installs the Debian 12 packages onnx-reinit needs, if any are missing.
#   usage: scripts/install_deps.sh [--with-bench] [--with-sanitizers]
# --with-sanitizers: clang and its ASan/UBSan runtimes and libFuzzer, for
# scripts/test_sanitized.sh and scripts/fuzz.sh (README "Fuzzing and
# sanitizers").
set -euo pipefail
packages=(cmake g++ make pkg-config zstd
          libonnx-dev libprotobuf-dev protobuf-compiler libabsl-dev
          libgtest-dev libgmock-dev libre2-dev libeigen3-dev libhwy-dev libonnx-testdata
          help2man dpkg-dev  # the man page; dpkg-shlibdeps for `cpack -G DEB`
          # the Python module (python/, setup.py) and its tests (tests/python)
          pybind11-dev python3-dev python3-venv python3-pip python3-setuptools
          python3-wheel python3-pytest python3-onnx)
# node and npm usually come with the machine (not always from Debian's
# packages: Debian's npm then conflicts), so ask apt only when they are absent.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
for arg in "$@"; do
  case $arg in
    --with-bench) packages+=(python3-numpy time libbenchmark-dev) ;;
    --with-sanitizers) packages+=(clang libclang-rt-14-dev libfuzzer-14-dev) ;;
    *) echo "install_deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
