#!/usr/bin/env bash
# Orthogonal fills end to end: a model holding one N x N MatMul weight (FLOAT,
# default N = 4096, 64 MB), re-initialized by the CLI with `orthogonal` at the
# best SIMD level and at --simd=baseline, side by side with `cp` of the same
# file, `he_normal` (an element-wise strategy, for scale), and what a numpy
# user runs for the same fill (torch's orthogonal_: numpy.linalg.qr of an
# N(0,1) float32 matrix, columns times sign(diag R); the fill only, no I/O,
# timed once: with Debian's reference LAPACK it takes over a minute at 4096).
#
# usage: bench/orthogonal_bench.sh [-n RUNS] [N]
#   RUNS  runs per command, interleaved; the median is reported (default 5)
# environment: BIN (default build/bin/onnx-reinit), TMPDIR.
# Needs /usr/bin/python3 with Debian's python3-onnx and python3-numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
N="${1:-4096}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$N" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS and N must be positive integers" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no onnx-reinit at $BIN (build first)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/orthogonal_bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$BIN" "$work/onnx-reinit"

/usr/bin/python3 - "$N" "$work/model.onnx" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
n, path = int(sys.argv[1]), sys.argv[2]
w = numpy_helper.from_array(np.zeros((n, n), np.float32), "w")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "m",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])], [w])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
PY
cat > "$work/numpy_qr.py" <<'PY'
import sys, time
import numpy as np
n = int(sys.argv[1])
start = time.perf_counter()
a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
q, r = np.linalg.qr(a)
q *= np.where(np.diag(r) < 0, -1, 1).astype(np.float32)
print(f"{(time.perf_counter() - start) * 1000:.1f}")
PY

m="$work/model.onnx" o="$work/out.onnx"
declare -A cmds=(
  [cp]="cp --sparse=never $m $o"
  [he_normal]="$work/onnx-reinit $m -o $o"
  [orthogonal]="$work/onnx-reinit $m -o $o --strategy=orthogonal"
  [orthogonal_baseline]="$work/onnx-reinit $m -o $o --strategy=orthogonal --simd=baseline"
)
order=(cp he_normal orthogonal orthogonal_baseline)
declare -A times
cat "$m" >/dev/null
for ((i = 0; i < RUNS; i++)); do
  for name in "${order[@]}"; do
    rm -f "$o"
    s=$(date +%s%N)
    ${cmds[$name]} >/dev/null 2>&1
    t=$(( ($(date +%s%N) - s) / 1000000 ))
    times[$name]+="$t "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "N=$N, $RUNS runs each, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %12s   %s\n' command "median ms" "all runs (ms)"
cp_ms=$(median <<<"${times[cp]}")
for name in "${order[@]}"; do
  med=$(median <<<"${times[$name]}")
  printf '%-22s %12s   %s\n' "$name" "$med" "${times[$name]}"
done
printf '%-22s %12s   %s\n' numpy_qr "$(/usr/bin/python3 "$work/numpy_qr.py" "$N")" "(one run: the fill alone, in process)"
echo "(the others are whole runs of the command; cp median $cp_ms ms)"
