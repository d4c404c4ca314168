# Shared by the benchmark scripts (sourced): messages and installing missing
# Debian packages.

log() { echo "$*" >&2; }

# install_missing PKG... — apt-get installs the packages when running as root;
# otherwise names them and exits 1. Does nothing when given none.
install_missing() {
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -eq 0 ]; then
    log "installing missing Debian packages: $*"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    log "missing Debian packages: $* (apt-get install them, or run as root)"
    exit 1
  fi
}

# private_binary NAME — builds $BIN when missing, makes a fresh $WORK folder
# (removed at exit) and points BIN at a private copy of the binary in it, so a
# rebuild of build/ during the run cannot swap it; BIN_SRC keeps the original.
private_binary() {
  if [ ! -x "$BIN" ]; then
    log "building onnx-reinit ($BIN not found)"
    cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release >&2
    cmake --build "$ROOT/build" -j2 --target onnx-reinit >&2
  fi
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  cp "$BIN" "$WORK/onnx-reinit"
  BIN_SRC="$BIN"
  BIN="$WORK/onnx-reinit"
}

# The two below need $WORK (a scratch folder) and log().
# Wall time of one command in milliseconds (3 decimals), using bash's $EPOCHREALTIME (no fork
# for the clock itself).  The command's output goes to $WORK/last.log; a failure aborts.
time_ms() {
  local t0 t1
  t0=$EPOCHREALTIME
  if ! "$@" >"$WORK/last.log" 2>&1; then
    log "command failed: $*"; cat "$WORK/last.log" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
