#!/usr/bin/env bash
# `cpack -G DEB` as a user runs it, into a temporary folder: the file name,
# the control fields (Depends covers every shared library the binaries load,
# by `ldd` and `dpkg -S`), the files, stripped binaries, and the CLI run from
# the extracted package (`dpkg-deb -x`) writes the build tree CLI's bytes.
#   usage: package_test.sh CPACK BUILD_DIR VERSION CORPUS_DIR BUILD_CLI MAN_PAGE
set -euo pipefail
cpack=$1 build=$2 version=$3 corpus=$4 build_cli=$5 man_page=${6:-}
model=$corpus/mlp.onnx
fail() { echo "FAIL: $*" >&2; exit 1; }
unset LD_LIBRARY_PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onnx-reinit-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && "$cpack" -G DEB -B "$tmp/pkg") >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
arch=$(dpkg --print-architecture)
deb=$tmp/pkg/onnx-reinit_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $(basename "$deb"); cpack wrote: $(ls "$tmp/pkg")"
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = onnx-reinit ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
for f in Maintainer Section Description Installed-Size; do
  [ -n "$(field $f)" ] || fail "no $f field"
done
depends=$(field Depends)
[ -n "$depends" ] || fail "no Depends field"
echo "Depends: $depends"
dpkg-deb -I "$deb" >/dev/null

dpkg-deb -c "$deb" >"$tmp/contents"
for f in ./usr/bin/onnx-reinit ./usr/share/bash-completion/completions/onnx-reinit \
         ./usr/lib/libonnx_reinit.so.0.2.0 ./usr/include/onnx_reinit/onnx_reinit.h \
         ./usr/lib/cmake/onnx_reinit/onnx_reinitConfig.cmake \
         ./usr/lib/pkgconfig/onnx_reinit.pc; do
  grep -q " $f\( \|$\)" "$tmp/contents" || fail "not in the package: $f"
done
if [ -n "$man_page" ]; then
  grep -q ' ./usr/share/man/man1/onnx-reinit\.1' "$tmp/contents" ||
    fail "not in the package: the man page"
fi

root=$tmp/root
dpkg-deb -x "$deb" "$root"
cli=$root/usr/bin/onnx-reinit
for bin in "$cli" "$root/usr/lib/libonnx_reinit.so.0.2.0"; do
  if readelf -S "$bin" | grep -q '\.debug_info'; then fail "not stripped: $bin"; fi
done

# Every shared library the binaries need (NEEDED, as found by ldd) comes
# from a package in Depends (the libraries those need, from those packages').
checked=0
depends_names=" $(sed -E 's/ *\([^)]*\)//g; s/ *\|[^,]*//g; s/,/ /g' <<<"$depends") "
for bin in "$cli" "$root/usr/lib/libonnx_reinit.so.0.2.0"; do
  needed=" $(readelf -d "$bin" | sed -n -E 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ') "
  [ "$needed" != "  " ] || fail "no NEEDED entries in $bin"
  while read -r soname lib; do
    [[ $needed == *" $soname "* ]] || continue
    case $lib in "$root"/*) continue ;; esac
    owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null ||
            dpkg -S "/usr$lib" 2>/dev/null || true)
    owner=${owner%%:*}
    [ -n "$owner" ] || fail "no Debian package owns $lib (needed by $bin)"
    [[ $depends_names == *" $owner "* ]] || fail "$owner ($lib, needed by $(basename "$bin")) is not in Depends: $depends"
    checked=$((checked + 1))
  done < <(LD_LIBRARY_PATH="$root/usr/lib" ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
done

[ $checked -ge 8 ] || fail "only $checked libraries checked against Depends"
echo "Depends covers the $checked shared libraries the CLI and the library need"
[ "$(env -u LD_LIBRARY_PATH "$cli" --version)" = "onnx-reinit $version" ] ||
  fail "extracted CLI --version: $("$cli" --version)"
args=(--seed=11 --strategy=xavier_uniform --bias_strategy=fan_in_uniform --quiet)
env -u LD_LIBRARY_PATH "$cli" "$model" -o "$tmp/deb.onnx" "${args[@]}"
"$build_cli" "$model" -o "$tmp/build.onnx" "${args[@]}"
cmp "$tmp/build.onnx" "$tmp/deb.onnx" || fail "the packaged CLI's output differs from the build tree's"
echo "ok: $(basename "$deb") installs the CLI, library, man page and completion; its CLI writes the build's bytes"
