#!/usr/bin/env bash
# The end-to-end speed benchmark of issue 11: onnx-reinit against `cp` (the I/O floor) and the
# numpy peer ($SHARED/bench/reinit_numpy.py) on two large models, side by side.
#
# usage: bench/speed_bench.sh [-n RUNS] [--only vgg16|external] [--layers L] [--keep-models]
#                             [--no-sync]
#
#   -n RUNS        timed runs per tool per model, interleaved; medians are reported (default 5)
#   --only M       time only one of the two models
#   --layers L     blocks of the external-data model (default 13: 2.88 GB in 211 files)
#   --keep-models  leave the generated models in $MODELS for the next run (default: removed)
#   --no-sync      do not run `sync` between runs (outside the timing)
#
# environment:
#   BIN      the onnx-reinit binary (default build/bin/onnx-reinit; built with cmake if missing);
#            it is copied to the work folder first, so a rebuild during the run does not touch it
#   SHARED   folder holding bench/reinit_numpy.py (default: the repo's ../shared)
#   TMPDIR   where the models and outputs go (default /tmp; TMPDIR=/dev/shm takes the disk out)
#   MODELS   folder of the generated models (default $TMPDIR/onnx-reinit-speed-models); models
#            already there from a --keep-models run with the same generator are reused
#
# The models (bench/make_speed_models.py, all values zero, written densely):
#   vgg16     torchvision VGG16 as torch exports it, 553 MB, every value inline in the .onnx:
#             13 Conv + biases, 3 Gemm (transB=1) 25088 -> 4096 -> 4096 -> 1000 + biases;
#   external  a decoder-like stack, 2.88 GB, one external data file per initializer named as
#             torch names them (onnx__MatMul_101, layers.0.mlp.fc1.bias ...).
# What is measured, per model, after reading its files once (warm page cache):
#   RUNS times, interleaved (cp, onnx-reinit, peer, cp, ...), each under
#   /usr/bin/time -f '%e %U %S %M' (user, sys, peak RSS; wall from bash's $EPOCHREALTIME
#   around it, in ms):
#     cp --sparse=never IN OUT   (external: cp -r --sparse=never IN_DIR OUT_DIR)
#     onnx-reinit IN -o OUT      (default strategy he_normal, default threads)
#     /usr/bin/python3 reinit_numpy.py IN OUT
#   the output is removed (and `sync` run) between runs, outside the timing. The peer is tried
#   once on the external model first and timed only if it succeeds there.
#   Then once: the onnx-reinit output loads with python onnx (onnx.load; onnx.checker on the
#   path), its weights are no longer zeros with about the He-normal std, and the external
#   output's data files are the input's, with the same sizes.
# Targets (issue 11): vgg16: wall onnx-reinit/cp <= 1.3 (goal 1.2), CPU (user+sys)
#   onnx-reinit/peer <= 0.1; external: wall onnx-reinit/cp <= 1.6, sys onnx-reinit/cp <= 1.5,
#   onnx-reinit peak RSS < 64 MiB.
#
# Needs GNU time (/usr/bin/time) and Debian's python3-onnx and python3-numpy for
# /usr/bin/python3; missing Debian packages are installed with apt-get when running as root.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
BIN="${BIN:-$ROOT/build/bin/onnx-reinit}"
RUNS="${RUNS:-5}"
PY=/usr/bin/python3
PEER="$SHARED/bench/reinit_numpy.py"
GEN="$ROOT/bench/make_speed_models.py"
export TMPDIR="${TMPDIR:-/tmp}"
MODELS="${MODELS:-$TMPDIR/onnx-reinit-speed-models}"
ONLY="" LAYERS=13 KEEP=0 SYNC=1

while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    -n*) RUNS="${1#-n}"; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --only=*) ONLY="${1#--only=}"; shift ;;
    --layers) LAYERS="$2"; shift 2 ;;
    --layers=*) LAYERS="${1#--layers=}"; shift ;;
    --keep-models) KEEP=1; shift ;;
    --no-sync) SYNC=0; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer, got '$RUNS'" >&2; exit 2; }
[[ "$LAYERS" =~ ^[1-9][0-9]*$ ]] || { echo "--layers must be a positive integer" >&2; exit 2; }
case "$ONLY" in "" | vgg16 | external) ;; *) echo "--only takes vgg16 or external" >&2; exit 2 ;; esac

source "$ROOT/bench/common.sh"

# ---------- prerequisites ----------

need_pkgs=()
[ -x /usr/bin/time ] || need_pkgs+=(time)
if ! "$PY" -c 'import onnx, numpy' >/dev/null 2>&1; then need_pkgs+=(python3-onnx python3-numpy); fi
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
[ -f "$PEER" ] || { log "numpy peer script not found: $PEER (set SHARED)"; exit 1; }

# Room for the models (0.55 + 2.9 GB) and one output at a time (2.9 GB), with a margin.
need_gb=7
[ "$ONLY" = vgg16 ] && need_gb=2
avail_gb=$(df --output=avail -B1G "$TMPDIR" | tail -1 | tr -d ' ')
[ -d "$MODELS" ] && avail_gb=$(( avail_gb + $(du -s -B1G "$MODELS" | cut -f1) ))
if [ "$avail_gb" -lt "$need_gb" ]; then
  log "$TMPDIR has ${avail_gb} GB free; this benchmark needs about $need_gb GB"; exit 1
fi

private_binary speed_bench
cleanup() {
  rm -rf "$WORK"
  if [ "$KEEP" -eq 0 ]; then rm -rf "$MODELS"; fi
}
trap cleanup EXIT

# ---------- models ----------

stamp="$(sha1sum "$GEN" | cut -c1-12) layers=$LAYERS"
if [ "$(cat "$MODELS/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$MODELS"
  mkdir -p "$MODELS"
  log "generating the models in $MODELS"
  "$PY" "$GEN" vgg16 "$MODELS/vgg16.onnx"
  "$PY" "$GEN" external "$MODELS/external" "$LAYERS"
  echo "$stamp" >"$MODELS/stamp"
else
  log "reusing the models in $MODELS"
fi

# ---------- timing helpers ----------

# measure FILE CMD... — runs CMD under GNU time and appends "wall_ms user_s sys_s rss_kib" to
# FILE; a failure aborts with the command's output.
measure() {
  local file="$1" t0 t1 user sys rss
  shift
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1; then
    log "command failed: $*"; tail -20 "$WORK/last.log" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  read -r _ user sys rss <"$WORK/time.txt"
  awk -v a="$t0" -v b="$t1" -v u="$user" -v s="$sys" -v m="$rss" \
    'BEGIN { printf "%.1f %.2f %.2f %d\n", (b - a) * 1000, u, s, m }' >>"$file"
}

# between — removes the outputs and flushes dirty pages, outside the timing.
between() {
  rm -rf "$WORK/out"
  [ "$SYNC" -eq 0 ] || sync
  mkdir "$WORK/out"
}

# stats FILE — "median_wall min_wall max_wall median_user median_sys median_cpu median_rss_mib"
stats() {
  awk '
    function med(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { n++; w[n] = $1; u[n] = $2; s[n] = $3; c[n] = $2 + $3; r[n] = $4 / 1024
      if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
    END { printf "%.1f %.1f %.1f %.2f %.2f %.2f %.1f\n", med(w, n), lo, hi, med(u, n), med(s, n), med(c, n), med(r, n) }' "$1"
}

row() { # row LABEL FILE
  local w lo hi u s c r
  read -r w lo hi u s c r < <(stats "$2")
  printf '%-30s %9s %17s %8s %8s %10s %9s\n' "$1" "$w" "$lo-$hi" "$u" "$s" "$c" "$r"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "inf" }'; }
verdict() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "<" ? r < t : r <= t); print ok ? "met" : "NOT met" }'; }
field() { stats "$1" | cut -d' ' -f"$2"; }   # 1 wall, 4 user, 5 sys, 6 cpu, 7 rss

# ---------- run ----------

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
flags="$(grep -m1 '^flags' /proc/cpuinfo)"
simd="AVX2 $([[ $flags == *" avx2 "* ]] && echo yes || echo no), FMA $([[ $flags == *" fma "* ]] && echo yes || echo no), AVX-512F $([[ $flags == *" avx512f "* ]] && echo yes || echo no)"
# The binary does not know its commit: this is the checkout's HEAD now, and the binary's mtime.
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit, with uncommitted changes in the tree"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); repository HEAD: $commit"
echo "machine: $(nproc) cores, $cpu ($simd), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM"
echo "onnx-reinit: $BIN_SRC ($("$BIN" --version 2>/dev/null | head -1 || echo 'no --version')), built $(date -u -r "$BIN_SRC" '+%Y-%m-%d %H:%M UTC')"
echo "work folder: $TMPDIR ($(df --output=fstype "$TMPDIR" | tail -1)); runs per tool: $RUNS, interleaved; sync between runs: $([ "$SYNC" -eq 1 ] && echo yes || echo no)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

header() {
  echo
  echo "== $1"
  printf '%-30s %9s %17s %8s %8s %10s %9s\n' tool "wall ms" "min-max ms" "user s" "sys s" "user+sys s" "RSS MiB"
}

time_vgg16() {
  local in="$MODELS/vgg16.onnx" d="$WORK/vgg16"
  mkdir -p "$d"
  cat "$in" >/dev/null
  between
  for ((i = 0; i < RUNS; i++)); do
    measure "$d/cp" cp --sparse=never "$in" "$WORK/out/vgg16.onnx"; between
    measure "$d/reinit" "$BIN" "$in" -o "$WORK/out/vgg16.onnx"; between
    measure "$d/peer" "$PY" "$PEER" "$in" "$WORK/out/vgg16.onnx"; between
  done
  header "vgg16: $(ls -l "$in" | awk '{ printf "%.1f MB", $5 / 1e6 }') inline, $in"
  row "cp --sparse=never" "$d/cp"
  row "onnx-reinit" "$d/reinit"
  row "numpy peer" "$d/peer"
  local rw rc rs
  rw=$(ratio "$(field "$d/reinit" 1)" "$(field "$d/cp" 1)")
  rc=$(ratio "$(field "$d/reinit" 6)" "$(field "$d/peer" 6)")
  rs=$(ratio "$(field "$d/reinit" 5)" "$(field "$d/cp" 5)")
  echo "wall onnx-reinit/cp          = $rw  (target <= 1.3: $(verdict "$rw" 1.3 '<='); goal <= 1.2: $(verdict "$rw" 1.2 '<='))"
  echo "CPU onnx-reinit/numpy peer   = $rc  (user+sys; target <= 0.1: $(verdict "$rc" 0.1 '<='))"
  echo "sys onnx-reinit/cp           = $rs  (no target for this model)"
  echo "peak RSS onnx-reinit         = $(field "$d/reinit" 7) MiB"
}

time_external() {
  local in="$MODELS/external" d="$WORK/external" peer_ok=0
  mkdir -p "$d"
  cat "$in"/* >/dev/null
  between
  log "trying the numpy peer once on the external-data model (not timed)"
  local peer_rc=0
  timeout 600 "$PY" "$PEER" "$in/model.onnx" "$WORK/out/model.onnx" >"$WORK/peer.log" 2>&1 || peer_rc=$?
  [ "$peer_rc" -ne 0 ] || peer_ok=1
  between
  for ((i = 0; i < RUNS; i++)); do
    rmdir "$WORK/out"
    measure "$d/cp" cp -r --sparse=never "$in" "$WORK/out"; between
    measure "$d/reinit" "$BIN" "$in/model.onnx" -o "$WORK/out/model.onnx"; between
    if [ "$peer_ok" -eq 1 ]; then measure "$d/peer" "$PY" "$PEER" "$in/model.onnx" "$WORK/out/model.onnx"; between; fi
  done
  header "external: $(du -s -B1 "$in" | awk '{ printf "%.2f GB", $1 / 1e9 }') in $(ls "$in" | grep -vc -e '^model.onnx$') data files + model.onnx, $in"
  row "cp -r --sparse=never" "$d/cp"
  row "onnx-reinit" "$d/reinit"
  if [ "$peer_ok" -eq 1 ]; then
    row "numpy peer" "$d/peer"
  else
    echo "numpy peer: failed on this model (exit $peer_rc), not timed: $(grep -v '^\s*$' "$WORK/peer.log" | tail -1 | cut -c1-160)"
  fi
  local rw rs rss
  rw=$(ratio "$(field "$d/reinit" 1)" "$(field "$d/cp" 1)")
  rs=$(ratio "$(field "$d/reinit" 5)" "$(field "$d/cp" 5)")
  rss=$(field "$d/reinit" 7)
  echo "wall onnx-reinit/cp          = $rw  (target <= 1.6: $(verdict "$rw" 1.6 '<='))"
  echo "sys onnx-reinit/cp           = $rs  (target <= 1.5: $(verdict "$rs" 1.5 '<='))"
  echo "peak RSS onnx-reinit         = $rss MiB  (target < 64: $(verdict "$rss" 64 '<'))"
  if [ "$peer_ok" -eq 1 ]; then
    echo "CPU onnx-reinit/numpy peer   = $(ratio "$(field "$d/reinit" 6)" "$(field "$d/peer" 6)")  (user+sys; no target for this model)"
  fi
}

# check_output MODEL_IN [external] — one more onnx-reinit run, then the checks in python; with
# "external", the output's data files are also compared with the input's.
check_output() {
  between
  "$BIN" "$1" -o "$WORK/out/$(basename "$1")" >"$WORK/last.log" 2>&1 || { log "onnx-reinit failed on $1"; cat "$WORK/last.log" >&2; exit 1; }
  "$PY" - "$1" "$WORK/out/$(basename "$1")" "${2:-}" <<'EOF'
import os, sys
import numpy as np
import onnx
from onnx import numpy_helper

src, dst, external = sys.argv[1], sys.argv[2], sys.argv[3] == "external"
problems = []
onnx.checker.check_model(dst)                 # by path: external data files must exist too
model = onnx.load(dst)                        # loads external data as well
graph = model.graph
consumer = {}
for node in graph.node:
    for i, name in enumerate(node.input):
        consumer.setdefault(name, (node, i))
weights = bad = 0
for t in graph.initializer:
    node, slot = consumer[t.name]
    if node.op_type not in ("Conv", "Gemm", "MatMul") or slot != 1:
        continue
    weights += 1
    w = numpy_helper.to_array(t)
    fan_in = t.dims[1] if node.op_type == "Gemm" else (int(np.prod(t.dims[1:])) if node.op_type == "Conv" else t.dims[0])
    expect = np.sqrt(2.0 / fan_in)
    if not 0.9 < w.std() / expect < 1.1 or abs(w.mean()) > 0.05 * expect:
        bad += 1
        problems.append(f"{t.name}: mean {w.mean():.3g} std {w.std():.3g}, He-normal std {expect:.3g}")
src_dir, dst_dir = os.path.dirname(src), os.path.dirname(dst)
files = sorted(f for f in os.listdir(src_dir) if f != os.path.basename(src)) if external else []
if external:
    same = sum(os.path.getsize(os.path.join(src_dir, f)) == os.path.getsize(os.path.join(dst_dir, f))
               for f in files if os.path.exists(os.path.join(dst_dir, f)))
    extra = sorted(set(os.listdir(dst_dir)) - set(files) - {os.path.basename(dst)})
    if same != len(files) or extra:
        problems.append(f"data files: {same}/{len(files)} present with the input's size; unexpected files: {extra}")
    files_note = f"; data files: {same}/{len(files)} with the input's sizes"
else:
    files_note = ""
print(f"output check: onnx.checker ok, onnx.load ok, {len(graph.initializer)} initializers; "
      f"{weights - bad}/{weights} Conv/Gemm/MatMul weights He-normal (std within 10%){files_note}"
      + ("" if not problems else "\n  PROBLEMS: " + "\n  ".join(problems[:10])))
sys.exit(1 if problems else 0)
EOF
  between
}

if [ "$ONLY" != external ]; then
  time_vgg16
  check_output "$MODELS/vgg16.onnx"
fi
if [ "$ONLY" != vgg16 ]; then
  time_external
  check_output "$MODELS/external/model.onnx" external
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
