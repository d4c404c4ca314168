#!/usr/bin/env bash
# Batch benchmark: one onnx-reinit invocation over a folder of models, against `cp -r` of the
# folder (the copy floor) and the numpy peer ($SHARED/bench/reinit_numpy.py) run over the same
# models in ONE Python process (bench/batch_peer.py), side by side.
#
# usage: bench/batch_bench.sh [-n RUNS] [--loop] [DATA]
#
#   -n RUNS   runs per tool; median, min and max are reported (default 5, or $RUNS)
#   --loop    also time a shell loop of one onnx-reinit process per model (slow; off by default)
#   DATA      a folder walked recursively for *.onnx (default /usr/share/libonnx-testdata/data,
#             the 1,072 models of Debian's libonnx-testdata)
#
# environment:
#   SHARED   folder holding bench/reinit_numpy.py (default: the repo's ../shared)
#   BIN      the onnx-reinit binary (default: build/bin/onnx-reinit; built with cmake if missing)
#   TMPDIR   where the outputs go (a fresh folder, removed at exit)
#
# What is measured:
#   - every file of DATA is read once first (the page cache cannot be dropped here, so every
#     tool sees a warm cache);
#   - then, RUNS times and interleaved (cp, cp models, onnx-reinit, numpy, [loop], cp, ...):
#       cp -r DATA OUT                                   (the copy floor: copies every file of
#                                                         DATA, test data included, not only models)
#       cp --parents -t OUT MODEL...  (run in DATA)      (only the *.onnx files, not external data:
#                                                         as many file creates as the tools do)
#       onnx-reinit DATA -o OUT -q                       (one process, default --jobs and --threads)
#       /usr/bin/python3 bench/batch_peer.py --peer PEER DATA OUT 0
#                                                        (one Python process: onnx and numpy are
#                                                         imported once; the peer runs per model)
#       for each model: onnx-reinit MODEL -o OUT/REL -q  (--loop only; the output folders are
#                                                         created before the clock starts)
#     each timed as wall clock around the whole command, OUT removed before each run;
#   - once, outside the timing: a run with --report to count models ok/failed, and single runs
#     (onnx-reinit MODEL -o X) of every 20th model (sorted relative paths), compared byte for
#     byte, with their external data files, against the batch output.
# Columns: ratio = the tool's median / onnx-reinit's median. Headlines: onnx-reinit/numpy-peer
# (target <= 0.5), onnx-reinit/cp (cp -r) and onnx-reinit/cp of the models only, ratios of medians.
# On this VM the copies are bound by file and folder creation (openat/mkdir), whose cost swings
# a lot with other I/O on the host; with the default DATA, cp -r creates 4,286 files and 2,159
# folders, the tools 1,072 files and about as many folders.
#
# Needs Debian's python3-onnx and python3-numpy for /usr/bin/python3 (plain `python3` on PATH may
# be another interpreter without onnx); installed with apt-get when missing and running as root.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
RUNS="${RUNS:-5}"
PY=/usr/bin/python3
PEER="$SHARED/bench/reinit_numpy.py"
BATCH_PEER="$ROOT/bench/batch_peer.py"
DATA=/usr/share/libonnx-testdata/data
LOOP=0

data_set=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -n*) RUNS="${1#-n}"; shift ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    --loop) LOOP=1; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) [ "$data_set" -eq 0 ] || { echo "only one DATA folder, got '$DATA' and '$1'" >&2; exit 2; }
       DATA="$1"; data_set=1; shift ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$RUNS'" >&2; exit 2; }

source "$ROOT/bench/common.sh"

# ---------- prerequisites ----------

need_pkgs=()
if ! "$PY" -c 'import onnx, numpy' >/dev/null 2>&1; then need_pkgs+=(python3-onnx python3-numpy); fi
[ -d /usr/share/libonnx-testdata/data ] || [ "$data_set" -eq 1 ] || need_pkgs+=(libonnx-testdata)
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
[ -f "$PEER" ] || { log "numpy peer script not found: $PEER (set SHARED)"; exit 1; }
[ -f "$BATCH_PEER" ] || { log "not found: $BATCH_PEER"; exit 1; }
[ -d "$DATA" ] || { log "not a folder: $DATA"; exit 1; }
DATA="$(cd "$DATA" && pwd)"
private_binary batch_bench
OUT="$WORK/out"

# ---------- inputs ----------

# Relative paths of the models, sorted bytewise (the order --shard uses).
mapfile -t rels < <(cd "$DATA" && find . -type f -name '*.onnx' | sed 's|^\./||' | LC_ALL=C sort)
n_models=${#rels[@]}
[ "$n_models" -gt 0 ] || { log "no *.onnx under $DATA"; exit 1; }
model_bytes=$(cd "$DATA" && printf '%s\0' "${rels[@]}" | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')
all_files=$(find "$DATA" -type f | wc -l)
all_bytes=$(find "$DATA" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
find "$DATA" -type f -exec cat {} + >/dev/null   # warm the page cache once

# ---------- timing helpers ----------

# Wall time of one command in seconds (4 decimals), using bash's $EPOCHREALTIME (no fork for
# the clock itself).  Output goes to $WORK/last.log.  Exit status 0 is required, or 1 when the
# first argument is "--allow1" (onnx-reinit: some model failed, the others were written).
time_s() {
  local allow1=0 t0 t1 rc=0
  if [ "$1" = --allow1 ]; then allow1=1; shift; fi
  t0=$EPOCHREALTIME
  "$@" >"$WORK/last.log" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  if [ "$rc" -ne 0 ] && ! { [ "$allow1" -eq 1 ] && [ "$rc" -eq 1 ]; }; then
    log "command failed (exit $rc): $*"; cat "$WORK/last.log" >&2; exit 1
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

stats() {  # median min max of the arguments
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'
}

# One onnx-reinit process per model; the output folders exist already (a single-model run does
# not create them).  A failed model makes the loop's status 1, like the batch run.
loop_run() {
  local rel rc=0
  for rel in "${rels[@]}"; do
    "$BIN" "$DATA/$rel" -o "$OUT/$rel" -q || rc=1
  done
  return "$rc"
}
cp_models() { mkdir "$OUT" && (cd "$DATA" && printf '%s\0' "${rels[@]}" | xargs -0 cp --parents -t "$OUT"); }
make_out_dirs() { mkdir -p "$OUT"; (cd "$OUT" && printf '%s\n' "${rels[@]}" | sed 's|/[^/]*$||' | LC_ALL=C sort -u | xargs -d '\n' mkdir -p); }

# ---------- run ----------

version="$("$BIN" --version 2>/dev/null | head -1 || true)"
log "onnx-reinit: $BIN_SRC ${version:+($version)}; runs per tool: $RUNS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

cp_t=() cm_t=() re_t=() np_t=() lo_t=()
peer_line=""
for ((i = 0; i < RUNS; i++)); do
  log "run $((i + 1))/$RUNS"
  rm -rf "$OUT"; cp_t+=("$(time_s cp -r "$DATA" "$OUT")")
  rm -rf "$OUT"; cm_t+=("$(time_s cp_models)")
  rm -rf "$OUT"; re_t+=("$(time_s --allow1 "$BIN" "$DATA" -o "$OUT" -q)")
  rm -rf "$OUT"; np_t+=("$(time_s "$PY" "$BATCH_PEER" --peer "$PEER" "$DATA" "$OUT" 0)")
  line="$(grep '^batch_peer: .* models' "$WORK/last.log" | tail -1)"
  [ -z "$peer_line" ] || [ "$line" = "$peer_line" ] || log "numpy peer: counts changed between runs: '$peer_line' then '$line'"
  peer_line="$line"
  if [ "$LOOP" -eq 1 ]; then
    rm -rf "$OUT"; make_out_dirs; lo_t+=("$(time_s --allow1 loop_run)")
  fi
done
rm -rf "$OUT"

# ---------- checks, outside the timing ----------

"$BIN" "$DATA" -o "$OUT" -q --report="$WORK/report.jsonl" || true
n_ok=$(grep -c '"status":"ok"' "$WORK/report.jsonl" || true)
n_err=$(grep -c '"status":"error"' "$WORK/report.jsonl" || true)
peer_failed=$(sed -n 's/.* \([0-9][0-9]*\) failed$/\1/p' <<<"$peer_line")

same=0 sampled=0 sampled_rw=0
for ((k = 0; k < n_models; k += 20)); do
  rel="${rels[$k]}"
  dir="$WORK/single/$k"
  mkdir -p "$dir"
  sampled=$((sampled + 1))
  rw=$(grep -F "\"model\":\"$DATA/$rel\"" "$WORK/report.jsonl" | sed -n 's/.*"tensors_rewritten":\([0-9]*\).*/\1/p' | head -1)
  [ "${rw:-0}" -eq 0 ] || sampled_rw=$((sampled_rw + 1))
  if "$BIN" "$DATA/$rel" -o "$dir/$(basename "$rel")" -q 2>/dev/null; then
    ok=1
    reldir="$(dirname "$rel")"
    # the model and whatever external data files the single run wrote beside it
    for f in "$dir"/*; do
      cmp -s "$f" "$OUT/$reldir/$(basename "$f")" || { ok=0; log "differs from the single run: $rel ($(basename "$f"))"; }
    done
    [ "$ok" -eq 0 ] || same=$((same + 1))
  elif [ ! -e "$OUT/$rel" ]; then
    same=$((same + 1))   # failed alone and in the batch, wrote nothing in either
  else
    log "the single run failed but the batch wrote $rel"
  fi
done
rm -rf "$OUT" "$WORK/single"

# ---------- report ----------

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "machine: $(nproc) cores (nproc), CPU: ${cpu:-unknown}"
echo "data: $DATA: $n_models models ($(awk -v b="$model_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MB) among $all_files files ($(awk -v b="$all_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MB, all copied by cp -r)"
echo "onnx-reinit ${version#onnx-reinit }: $n_ok ok, $n_err failed; numpy peer: ${peer_failed:-?} failed ($peer_line)"
echo "runs per tool: $RUNS, interleaved; wall clock of the whole command"
echo
read -r re_m re_min re_max < <(stats "${re_t[@]}")
fmt='%-36s %9s %9s %9s %10s\n'
printf "$fmt" tool "median s" "min s" "max s" "ratio"
printf "$fmt" "---" "---" "---" "---" "---"
row() {  # name, times...
  local name="$1" m mn mx; shift
  read -r m mn mx < <(stats "$@")
  printf "$fmt" "$name" "$(printf %.3f "$m")" "$(printf %.3f "$mn")" "$(printf %.3f "$mx")" \
    "$(awk -v a="$m" -v b="$re_m" 'BEGIN { printf "%.2fx", a / b }')"
}
row "cp -r DATA OUT" "${cp_t[@]}"
row "cp of the *.onnx files only" "${cm_t[@]}"
row "onnx-reinit DATA -o OUT -q" "${re_t[@]}"
row "numpy peer, one python process" "${np_t[@]}"
[ "$LOOP" -eq 0 ] || row "onnx-reinit, one process per model" "${lo_t[@]}"
echo "(ratio = the tool's median / onnx-reinit's median)"
echo
read -r np_m _ _ < <(stats "${np_t[@]}")
read -r cp_m _ _ < <(stats "${cp_t[@]}")
read -r cm_m _ _ < <(stats "${cm_t[@]}")
awk -v r="$re_m" -v n="$np_m" 'BEGIN { printf "onnx-reinit/numpy-peer = %.2f (target <= 0.5: %s)\n", r / n, (r / n <= 0.5) ? "met" : "NOT met" }'
awk -v r="$re_m" -v c="$cp_m" 'BEGIN { printf "onnx-reinit/cp = %.2f\n", r / c }'
awk -v r="$re_m" -v c="$cm_m" 'BEGIN { printf "onnx-reinit/cp of the models only = %.2f\n", r / c }'
echo "byte-identical to single runs: $same/$sampled (every 20th model; $sampled_rw of them have tensors rewritten)"
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)"
