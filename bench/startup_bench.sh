#!/usr/bin/env bash
# Start-up benchmark (issue 11): onnx-reinit on small models, where the
# process's own start-up is most of the time, next to `cp` of the same file.
#
# usage: bench/startup_bench.sh [-n RUNS] [MODEL_NAME ...]
#
#   -n RUNS      runs per command per model, interleaved; medians (default 21, or $RUNS)
#   MODEL_NAME   tests/corpus model names (default: mlp, 2 MB, and conv1d_conv3d_groupnorm,
#                the smallest, 10 KB)
#
# environment:
#   BIN      the onnx-reinit binary (default: build/bin/onnx-reinit; built with cmake if missing)
#   TMPDIR   where the decompressed models and outputs go (a fresh folder, removed at exit)
#
# Timed per model, RUNS times, interleaved, each as wall clock around the process (bash's
# $EPOCHREALTIME), warm page cache (each file is read once first):
#   true                               creating a process at all (/bin/true)
#   cp                                 cp --sparse=never MODEL OUT: the I/O floor
#   version                            onnx-reinit --version: loading, static initializers, exit
#   plan                               onnx-reinit MODEL --plan: + reading, planning (text plan)
#   run                                onnx-reinit MODEL -o OUT: the whole run
# The differences of the medians are the breakdown: version - true (start-up and exit),
# plan - version (reading the model and planning), run - plan (writing the values).
#
# Then, for the binary:
#   - the shared libraries it loads (ldd) and, from LD_DEBUG=statistics, the time spent in
#     the dynamic loader before main (median over RUNS; cycles converted with the CPU's MHz
#     from /proc/cpuinfo) and the number of relocations;
#   - with perf installed (Debian: linux-perf): `perf stat -r RUNS` of the run, CPU time
#     (task-clock) next to wall time (wall well above CPU means waiting: other load), and
#     `perf record` of RUNS runs: the share of CPU samples per shared object (ld-linux is
#     dynamic loading and binding, [kernel.kallsyms] exec, page faults, writes and exit,
#     libonnx was its schema registry, onnx-reinit is the tool's own code). perf's own work
#     on every mmap and exec inflates the kernel and loader shares on this VM: compare
#     binaries with it, do not read it as absolute time.
#
# Not part of the test suite. Needs zstd. The machine has 2 cores: a build running
# beside it doubles every number; the load average is printed at start and end.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
RUNS="${RUNS:-21}"
CORPUS="$ROOT/tests/corpus"

models=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -n*) RUNS="${1#-n}"; shift ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$RUNS'" >&2; exit 2; }
[ ${#models[@]} -gt 0 ] || models=(mlp conv1d_conv3d_groupnorm)

source "$ROOT/bench/common.sh"

need_pkgs=()
command -v zstd >/dev/null 2>&1 || need_pkgs+=(zstd)
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
private_binary startup_bench

# ---------- helpers ----------


# ---------- timings ----------

log "onnx-reinit: $BIN_SRC ($("$BIN" --version)); runs: $RUNS; cores: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

fmt='%-26s %8s %7s %7s %8s %7s %7s %7s  %-s\n'
printf "$fmt" model "size MB" "true" "cp" "version" "plan" "run" "run/cp" "(medians, ms)"
printf "$fmt" --- --- --- --- --- --- --- --- ""
out="$WORK/out.onnx"
for m in "${models[@]}"; do
  z="$CORPUS/$m.onnx.zst"
  [ -f "$z" ] || { log "no such corpus model: $z"; exit 1; }
  # --no-sparse: the zeroed weights would otherwise be holes that cp skips.
  f="$WORK/$m.onnx"
  zstd -q -d -f --no-sparse "$z" -o "$f"
  cat "$f" >/dev/null
  t_true=() t_cp=() t_version=() t_plan=() t_run=()
  for ((i = 0; i < RUNS; i++)); do
    t_true+=("$(time_ms /bin/true)")
    rm -f "$out"; t_cp+=("$(time_ms cp --sparse=never "$f" "$out")")
    t_version+=("$(time_ms "$BIN" --version)")
    t_plan+=("$(time_ms "$BIN" "$f" --plan)")
    rm -f "$out"; t_run+=("$(time_ms "$BIN" "$f" -o "$out")")
  done
  rm -f "$out"
  m_true=$(median "${t_true[@]}"); m_cp=$(median "${t_cp[@]}"); m_version=$(median "${t_version[@]}")
  m_plan=$(median "${t_plan[@]}"); m_run=$(median "${t_run[@]}")
  size_mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.2f", b / 1048576 }')
  printf "$fmt" "$m" "$size_mb" "$(printf %.2f "$m_true")" "$(printf %.2f "$m_cp")" \
    "$(printf %.2f "$m_version")" "$(printf %.2f "$m_plan")" "$(printf %.2f "$m_run")" \
    "$(awk -v r="$m_run" -v c="$m_cp" 'BEGIN { printf "%.1fx", r / c }')" \
    "$(awk -v t="$m_true" -v v="$m_version" -v p="$m_plan" -v r="$m_run" 'BEGIN {
        printf "start-up+exit %.2f, read+plan %.2f, write %.2f", v - t, p - v, r - p }')"
done

# ---------- breakdown of start-up ----------

echo
libs=$(ldd "$BIN" | grep -c '=>' || true)
echo "shared libraries loaded (ldd): $libs"
ldd "$BIN" | awk '/=>/ { printf "  %s", $1 } END { print "" }'
mhz=$(awk -F': ' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
cycles=() relocs=""
for ((i = 0; i < RUNS; i++)); do
  stats="$(LD_DEBUG=statistics "$BIN" --version 2>&1 >/dev/null)"
  cycles+=("$(awk '/total startup time in dynamic loader/ { print $(NF - 1) }' <<<"$stats")")
  relocs="$(awk '/final number of relocations:/ { print $NF }' <<<"$stats")"
done
m_cycles=$(median "${cycles[@]}")
echo "dynamic loader before main (LD_DEBUG=statistics, median of $RUNS): $m_cycles cycles" \
  "= $(awk -v c="$m_cycles" -v f="$mhz" 'BEGIN { printf "%.2f", c / f / 1000 }') ms at $mhz MHz;" \
  "relocations: $relocs"

if command -v perf >/dev/null 2>&1; then
  f="$WORK/${models[0]}.onnx"
  if perf stat -r "$RUNS" -o "$WORK/perf.txt" -- "$BIN" "$f" -o "$out" --quiet >/dev/null 2>&1; then
    awk -v m="${models[0]}" '/task-clock/ { cpu = $1 } /time elapsed/ { wall = $1 * 1000 }
      END { printf "perf stat -r N (%s run): CPU %.2f ms (task-clock), wall %.2f ms (means)\n", m, cpu, wall }' \
      "$WORK/perf.txt"
  else
    log "perf stat failed (perf_event_paranoid?); skipped"
  fi
  if perf record -q -e cpu-clock -F 20000 -o "$WORK/perf.data" -- bash -c \
      'for ((i = 0; i < $1; i++)); do "$2" "$3" -o "$4" --quiet; rm -f "$4"; done' \
      _ "$RUNS" "$BIN" "$f" "$out" >/dev/null 2>&1; then
    echo "CPU samples per shared object (perf record, ${models[0]} run x $RUNS):"
    perf report -i "$WORK/perf.data" --sort comm,dso --stdio 2>/dev/null |
      awk '$2 == "onnx-reinit" && $1 ~ /%$/ { p = $1; sub(/%/, "", p); share[$3] = p; total += p }
        END { for (d in share) printf "  %5.1f%%  %s\n", 100 * share[d] / total, d }' | sort -rn | head -8
  fi
else
  log "perf not installed (Debian: linux-perf); CPU time skipped"
fi
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)"
