#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/) for as long as asked.
#   usage: scripts/fuzz.sh TARGET|all SECONDS [JOBS]
#     TARGET   wire_scan, planner, external_data, rules or config; `all` runs
#              each in turn for SECONDS
#     JOBS     fuzzing processes at a time (libFuzzer -fork=JOBS; default 1)
#
# Builds build-asan's fuzz targets when missing or stale (configured as
# scripts/test_sanitized.sh does; clang, ASan+UBSan). Runs under nice -n 10 in
# libFuzzer's fork mode, which goes on after a crash, timeout (30 s for one
# input) or out-of-memory (2.5 GB) until SECONDS are up. Everything it keeps
# is under fuzz-runs/ (git-ignored):
#   fuzz-runs/corpus/TARGET/   the corpus, growing from run to run (the seeds
#                              are read too, never written)
#   fuzz-runs/crashes/TARGET/  crash-*, timeout-*, oom-* inputs (kept)
#   fuzz-runs/logs/TARGET-DATE.log  libFuzzer's output of each run
#   fuzz-runs/fuzz.log         one line per run: date, target, seconds, execs,
#                              oom/timeout/crash counts, corpus files
# Reproduce a crash: build-asan/bin/fuzz_TARGET fuzz-runs/crashes/TARGET/FILE
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(wire_scan planner external_data rules config)
if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || ! [[ ${3:-1} =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [JOBS]; targets: ${targets[*]}" >&2
  exit 2
fi
what=$1 seconds=$2 jobs=${3:-1}
if [ "$what" = all ]; then
  run=("${targets[@]}")
elif [[ " ${targets[*]} " == *" $what "* ]]; then
  run=("$what")
else
  echo "fuzz.sh: unknown target \"$what\"; targets: ${targets[*]}" >&2
  exit 2
fi

if [ ! -f build-asan/CMakeCache.txt ]; then
  scripts/install_deps.sh --with-sanitizers
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DONNX_REINIT_SANITIZE=address,undefined -DONNX_REINIT_BUILD_FUZZERS=ON \
    -DONNX_REINIT_BUILD_PYTHON=OFF -DONNX_REINIT_ORT_TESTS=OFF \
    "${launcher[@]}" >/dev/null
fi
nice -n 10 cmake --build build-asan -j"$jobs" --target fuzz_seeds \
  "${run[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
mkdir -p fuzz-runs/logs
for target in "${run[@]}"; do
  corpus=fuzz-runs/corpus/$target crashes=fuzz-runs/crashes/$target
  tmp=fuzz-runs/tmp/$target
  mkdir -p "$corpus" "$crashes" "$tmp"
  case $target in
    wire_scan | planner) seeds=build-asan/fuzz/seeds/model ;;
    *) seeds=tests/fuzz/seeds/$target ;;
  esac
  log=fuzz-runs/logs/$target-$(date +%Y%m%d-%H%M%S).log
  echo "fuzz.sh: $target for ${seconds} s, $jobs job(s); output in $log" >&2
  start=$(date +%s)
  TMPDIR=$PWD/$tmp nice -n 10 "build-asan/bin/fuzz_$target" \
    -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 \
    -dict=tests/fuzz/onnx.dict -artifact_prefix="$crashes/" \
    "$corpus" "$seeds" >"$log" 2>&1 || true
  elapsed=$(($(date +%s) - start))
  # The fork mode's status lines: "#EXECS: cov: ... oom/timeout/crash: O/T/C
  # time: ...".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1 || true)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
  counts=$(sed -nE 's|.*oom/timeout/crash: ([0-9]+/[0-9]+/[0-9]+).*|\1|p' <<<"$last")
  printf '%s target=%s seconds=%s execs=%s oom/timeout/crash=%s corpus=%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$elapsed" "${execs:-0}" \
    "${counts:-0/0/0}" "$(find "$corpus" -type f | wc -l)" \
    | tee -a fuzz-runs/fuzz.log
done
