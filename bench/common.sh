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
