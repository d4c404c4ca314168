#!/usr/bin/env bash
# Memory and time per tensor: models of N tiny initializers, each read by a
# MatMul (tests/support/many_tensors_model.h: one million make a 68 MB file),
# through `onnx-reinit MODEL -o OUT` and `onnx-reinit MODEL --plan
# --format=json`, against the cost of merely parsing the model.
#
# usage: bench/many_tensors.sh [-n RUNS] [N ...]      (default N: 10000 100000 1000000)
#
# environment:
#   BIN     the onnx-reinit binary (default build/bin/onnx-reinit; built with cmake if missing)
#   TOOLS   folder of make_many_tensors and parse_model_rss (default: BIN's folder; built
#           with cmake --build build --target make_many_tensors parse_model_rss if missing)
#   TMPDIR  where the models, outputs and plans go (a fresh folder, removed at exit)
#
# What is measured, for each N and for N = 1 (the fixed cost of each program):
#   parse   `parse_model_rss MODEL`: reads the file and parses it as one ModelProto, as
#           onnx-reinit does with a model's weightless form (here the file is its own
#           weightless form: every payload is 4 bytes) — the cost of the metadata itself;
#   reinit  `onnx-reinit -q MODEL -o OUT` (default strategy, threads, no report);
#   plan    `onnx-reinit MODEL --plan --format=json > PLAN` (the JSON kept on disk);
# each under /usr/bin/time -v: peak RSS ("Maximum resident set size") and wall time, the
# median of RUNS runs (default 1), interleaved.
# "B/tensor" is the peak RSS per tensor beyond the metadata, with each program's fixed cost
# (its RSS at N = 1: libraries, thread stacks, buffers) taken out of both:
#   ((RSS(N) - RSS(1)) - (parse RSS(N) - parse RSS(1))) / N.
# The goal (issue 13, defect 7) is at most 200 B/tensor, and wall time linear in N.
#
# Needs GNU time (/usr/bin/time; installed with apt-get when missing and running as root).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
TOOLS="${TOOLS:-$(dirname "$BIN")}"
RUNS="${RUNS:-1}"

sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -n*) RUNS="${1#-n}"; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$RUNS'" >&2; exit 2; }
for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer, got '$n'" >&2; exit 2; }
done

source "$ROOT/bench/common.sh"

need_pkgs=()
[ -x /usr/bin/time ] || need_pkgs+=(time)
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
if [ ! -x "$TOOLS/make_many_tensors" ] || [ ! -x "$TOOLS/parse_model_rss" ]; then
  log "building make_many_tensors and parse_model_rss"
  cmake --build "$ROOT/build" -j2 --target make_many_tensors parse_model_rss >&2
fi
private_binary many_tensors
cp "$TOOLS/make_many_tensors" "$TOOLS/parse_model_rss" "$WORK/"

# measure KIND N: runs one program RUNS times; prints "RSS_KB WALL_S" (medians).
measure() {
  local kind="$1" n="$2" model="$WORK/m$2.onnx" rss=() wall=() r
  for ((r = 0; r < RUNS; r++)); do
    rm -f "$WORK/out.onnx" "$WORK/plan.json"
    case "$kind" in
      parse)  /usr/bin/time -v -o "$WORK/time.txt" "$WORK/parse_model_rss" "$model" >/dev/null ;;
      reinit) /usr/bin/time -v -o "$WORK/time.txt" "$BIN" -q "$model" -o "$WORK/out.onnx" ;;
      plan)   /usr/bin/time -v -o "$WORK/time.txt" "$BIN" "$model" --plan --format=json >"$WORK/plan.json" ;;
    esac
    rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")")
    wall+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
              for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$WORK/time.txt")")
  done
  echo "$(median "${rss[@]}") $(median "${wall[@]}")"
}

log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A rss wall
for n in 1 "${sizes[@]}"; do
  "$WORK/make_many_tensors" "$WORK/m$n.onnx" "$n"
  for kind in parse reinit plan; do
    read -r rss[$kind.$n] wall[$kind.$n] < <(measure "$kind" "$n")
  done
  size[$n]=$(stat -c %s "$WORK/m$n.onnx")
  rm -f "$WORK/m$n.onnx" "$WORK/out.onnx" "$WORK/plan.json"
done

per_tensor() {  # KIND N: bytes of peak RSS per tensor beyond the metadata
  awk -v r="${rss[$1.$2]}" -v r1="${rss[$1.1]}" -v p="${rss[parse.$2]}" -v p1="${rss[parse.1]}" \
      -v n="$2" 'BEGIN { printf "%.0f", ((r - r1) - (p - p1)) * 1024 / n }'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

printf '%-9s %8s %9s | %10s %8s %9s | %10s %8s %9s\n' \
  N "file MB" "parse MB" "reinit MB" "wall s" B/tensor "plan MB" "wall s" B/tensor
for n in "${sizes[@]}"; do
  printf '%-9s %8s %9s | %10s %8s %9s | %10s %8s %9s\n' "$n" \
    "$(awk -v b="${size[$n]}" 'BEGIN { printf "%.1f", b / 1048576 }')" "$(mb "${rss[parse.$n]}")" \
    "$(mb "${rss[reinit.$n]}")" "${wall[reinit.$n]}" "$(per_tensor reinit "$n")" \
    "$(mb "${rss[plan.$n]}")" "${wall[plan.$n]}" "$(per_tensor plan "$n")"
done
log "fixed cost (N = 1): parse $(mb "${rss[parse.1]}") MB, reinit $(mb "${rss[reinit.1]}") MB, plan $(mb "${rss[plan.1]}") MB"
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
