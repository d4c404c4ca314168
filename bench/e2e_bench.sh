#!/usr/bin/env bash
# End-to-end benchmark: onnx-reinit against `cp` (the I/O floor) and the numpy peer script
# ($SHARED/bench/reinit_numpy.py, the onnx + numpy script a user writes today), side by side.
#
# usage: bench/e2e_bench.sh [-n RUNS] [--synth-mb MB] [--no-synth] [MODEL_NAME ...]
#
#   -n RUNS         runs per tool per model; the median is reported (default 5, or $RUNS)
#   --synth-mb MB   also time a synthetic MatMul-chain model of about MB megabytes
#                   (default 256, or $SYNTH_MB); --no-synth or MB=0 skips it
#   MODEL_NAME      corpus model names (e.g. resnet18 lstm_lm); default: every corpus model
#
# environment:
#   SHARED   folder holding corpus/ and bench/ (default: the repo's ../shared)
#   BIN      the onnx-reinit binary (default: build/bin/onnx-reinit; built with cmake if missing)
#   TMPDIR   where the decompressed models and outputs go (a fresh folder, removed at exit)
#
# What is measured, per model:
#   - the file is read once first (the page cache cannot be dropped here, so every tool
#     sees a warm cache);
#   - then, RUNS times and interleaved (cp, onnx-reinit, numpy, cp, onnx-reinit, ...):
#       cp --sparse=never MODEL OUT                  (copies every byte, no hole detection)
#       onnx-reinit MODEL -o OUT                       (default strategy he_normal, default threads)
#       /usr/bin/python3 reinit_numpy.py MODEL OUT
#     each timed as wall clock around the process, output file removed before each run;
#   - one extra run of onnx-reinit and of the numpy script under /usr/bin/time -v for peak RSS.
# Columns: reinit/cp = onnx-reinit median / cp median; numpy/reinit = numpy median /
# onnx-reinit median (how many times faster onnx-reinit is than the numpy script).
#
# Needs: zstd, GNU time (/usr/bin/time), Debian's python3-onnx and python3-numpy for
# /usr/bin/python3 (plain `python3` on PATH may be another interpreter without onnx).
# Missing Debian packages are installed with apt-get when running as root.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
RUNS="${RUNS:-5}"
SYNTH_MB="${SYNTH_MB:-256}"
PY=/usr/bin/python3
PEER="$SHARED/bench/reinit_numpy.py"

models=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -n*) RUNS="${1#-n}"; shift ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    --synth-mb) SYNTH_MB="$2"; shift 2 ;;
    --synth-mb=*) SYNTH_MB="${1#--synth-mb=}"; shift ;;
    --no-synth) SYNTH_MB=0; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$RUNS'" >&2; exit 2; }
[[ "$SYNTH_MB" =~ ^[0-9]+$ ]] || { echo "--synth-mb must be a non-negative integer" >&2; exit 2; }

source "$ROOT/bench/common.sh"

# ---------- prerequisites ----------

need_pkgs=()
command -v zstd >/dev/null 2>&1 || need_pkgs+=(zstd)
[ -x /usr/bin/time ] || need_pkgs+=(time)
if ! "$PY" -c 'import onnx, numpy' >/dev/null 2>&1; then need_pkgs+=(python3-onnx python3-numpy); fi
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
[ -f "$PEER" ] || { log "numpy peer script not found: $PEER (set SHARED)"; exit 1; }
[ -d "$SHARED/corpus" ] || { log "corpus not found: $SHARED/corpus (set SHARED)"; exit 1; }
private_binary e2e_bench

# ---------- inputs ----------

if [ ${#models[@]} -eq 0 ]; then
  for z in "$SHARED"/corpus/*.onnx.zst; do models+=("$(basename "$z" .onnx.zst)"); done
fi
inputs=()
for m in "${models[@]}"; do
  z="$SHARED/corpus/$m.onnx.zst"
  [ -f "$z" ] || { log "no such corpus model: $z"; exit 1; }
  # --no-sparse: zstd otherwise writes the zeroed weights as holes, and a sparse file is
  # neither what a real model looks like on disk nor a fair `cp` baseline.
  zstd -q -d -f --no-sparse "$z" -o "$WORK/$m.onnx"
  inputs+=("$WORK/$m.onnx")
done

if [ "$SYNTH_MB" -gt 0 ]; then
  # A chain of MatMuls with 2048x2048 float weights (16 MiB each) and zero biases; only the
  # size matters here.  Weights are zeros, as in the corpus.
  n_layers=$(( (SYNTH_MB + 15) / 16 ))
  synth="$WORK/synthetic_matmul_${n_layers}x2048.onnx"
  log "generating $(basename "$synth") ($n_layers layers)"
  "$PY" - "$synth" "$n_layers" <<'EOF'
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
out, n = sys.argv[1], int(sys.argv[2])
d = 2048
nodes, inits = [], []
x = "x"
for i in range(n):
    inits.append(numpy_helper.from_array(np.zeros((d, d), np.float32), f"layer{i}.weight"))
    inits.append(numpy_helper.from_array(np.zeros((d,), np.float32), f"layer{i}.bias"))
    nodes.append(helper.make_node("MatMul", [x, f"layer{i}.weight"], [f"mm{i}"]))
    nodes.append(helper.make_node("Add", [f"mm{i}", f"layer{i}.bias"], [f"h{i}"]))
    x = f"h{i}"
g = helper.make_graph(nodes, "synthetic", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d])],
                      [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, d])], initializer=inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
m.ir_version = 8
onnx.save(m, out)
EOF
  inputs+=("$synth")
fi

# ---------- timing helpers ----------


# Peak RSS in MB of one run of a command, from GNU time.
peak_rss_mb() {
  /usr/bin/time -v -o "$WORK/time.log" "$@" >"$WORK/last.log" 2>&1 || { log "command failed: $*"; cat "$WORK/last.log" >&2; exit 1; }
  awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/time.log"
}

# ---------- run ----------

version="$("$BIN" --version 2>/dev/null | head -1 || true)"
log "onnx-reinit: $BIN_SRC ${version:+($version)}; runs per tool: $RUNS; cores: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

fmt='%-34s %9s %9s %13s %10s %10s %13s %10s %10s\n'
printf "$fmt" model "size MB" "cp ms" "onnx-reinit ms" "numpy ms" "reinit/cp" "numpy/reinit" "reinit RSS MB" "numpy RSS MB"
printf "$fmt" "---" "---" "---" "---" "---" "---" "---" "---" "---"

out="$WORK/out.onnx"
for f in "${inputs[@]}"; do
  name="$(basename "$f" .onnx)"
  size_mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.2f", b / 1048576 }')
  cat "$f" >/dev/null   # warm the page cache once
  cp_t=() re_t=() np_t=()
  for ((i = 0; i < RUNS; i++)); do
    rm -f "$out"; cp_t+=("$(time_ms cp --sparse=never "$f" "$out")")
    rm -f "$out"; re_t+=("$(time_ms "$BIN" "$f" -o "$out")")
    rm -f "$out"; np_t+=("$(time_ms "$PY" "$PEER" "$f" "$out")")
  done
  rm -f "$out"; re_rss=$(peak_rss_mb "$BIN" "$f" -o "$out")
  rm -f "$out"; np_rss=$(peak_rss_mb "$PY" "$PEER" "$f" "$out")
  rm -f "$out"
  cp_m=$(median "${cp_t[@]}"); re_m=$(median "${re_t[@]}"); np_m=$(median "${np_t[@]}")
  read -r r_cp r_np < <(awk -v c="$cp_m" -v r="$re_m" -v n="$np_m" 'BEGIN { printf "%.1fx %.1fx\n", r / c, n / r }')
  printf "$fmt" "$name" "$size_mb" "$(printf %.1f "$cp_m")" "$(printf %.1f "$re_m")" "$(printf %.1f "$np_m")" \
    "$r_cp" "$r_np" "$re_rss" "$np_rss"
done
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)"
