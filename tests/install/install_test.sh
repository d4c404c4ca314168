#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it as a user would:
# the files are where README "Use from C++" says, the exported CMake package
# names no private target, a find_package consumer (cmake_consumer/, the
# README's example) and a pkg-config consumer (pkgconfig_consumer/) build
# against it and write the same bytes as the installed CLI, which runs
# without LD_LIBRARY_PATH; the bash completion completes flags and values.
#   usage: install_test.sh CMAKE BUILD_DIR THIS_DIR CORPUS_DIR BUILD_CLI MAN_PAGE
# MAN_PAGE is the build's man page, "" when help2man was not found.
set -euo pipefail
cmake=$1 build=$2 here=$3 corpus=$4 build_cli=$5 man_page=${6:-}
model=$corpus/mlp.onnx
seed=7
strategy='normal(std=0.02)'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onnx-reinit-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }
unset LD_LIBRARY_PATH

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
  { cat "$tmp/install.log"; fail "cmake --install"; }

# --- what is installed where
for f in bin/onnx-reinit lib/libonnx_reinit.so lib/libonnx_reinit.so.0.2 \
         lib/libonnx_reinit.so.0.2.0 include/onnx_reinit/onnx_reinit.h \
         lib/cmake/onnx_reinit/onnx_reinitConfig.cmake \
         lib/cmake/onnx_reinit/onnx_reinitConfigVersion.cmake \
         lib/cmake/onnx_reinit/onnx_reinitTargets.cmake \
         lib/pkgconfig/onnx_reinit.pc \
         share/bash-completion/completions/onnx-reinit; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
if [ -n "$man_page" ]; then
  [ -s "$prefix/share/man/man1/onnx-reinit.1" ] || fail "not installed: share/man/man1/onnx-reinit.1"
  grep -qF -- '\-\-strategy' "$prefix/share/man/man1/onnx-reinit.1" ||
    fail "the man page does not describe --strategy"
  grep -q '^\.TH ONNX-REINIT "1"' "$prefix/share/man/man1/onnx-reinit.1" ||
    fail "the man page has no .TH ONNX-REINIT 1 header"
else
  echo "note: built without help2man, no man page to check"
fi
# The library exports the API and nothing of the private library.
if nm -D --defined-only -C "$prefix/lib/libonnx_reinit.so" | cut -d' ' -f3- |
   grep -E '^((typeinfo|vtable)( name)? for )?(google::|onnx::|absl::|re2::|Eigen::)'; then
  fail "libonnx_reinit.so exports symbols of its private libraries"
fi
# The exported targets name the library and Abseil only.
if grep -E 'reinit_api|reinit_proto|onnx_reinit::reinit\b|[^_]reinit[^_a-z]|onnx_proto|protobuf|re2|Eigen' \
     "$prefix"/lib/cmake/onnx_reinit/onnx_reinitTargets*.cmake; then
  fail "the exported CMake targets name private targets or libraries"
fi

# --- the installed CLI, with no LD_LIBRARY_PATH
cli=$prefix/bin/onnx-reinit
version=$(env -u LD_LIBRARY_PATH "$cli" --version)
[ "$version" = "$("$build_cli" --version)" ] || fail "installed --version: $version"
env -u LD_LIBRARY_PATH "$cli" "$model" -o "$tmp/cli.onnx" --seed=$seed \
  --strategy="$strategy" --quiet
env -u LD_LIBRARY_PATH "$cli" "$model" --plan --format=json --seed=$seed \
  --strategy="$strategy" >"$tmp/cli_plan.json"
cmp -s "$model" "$tmp/cli.onnx" && fail "the CLI's output equals its input"

# --- a CMake project: find_package(onnx_reinit CONFIG REQUIRED)
"$cmake" -S "$here/cmake_consumer" -B "$tmp/cmake_consumer" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$tmp/consumer.log" 2>&1 ||
  { cat "$tmp/consumer.log"; fail "configuring cmake_consumer"; }
"$cmake" --build "$tmp/cmake_consumer" -j1 >>"$tmp/consumer.log" 2>&1 ||
  { cat "$tmp/consumer.log"; fail "building cmake_consumer"; }
env -u LD_LIBRARY_PATH "$tmp/cmake_consumer/reinit_app" "$model" \
  "$tmp/cmake_consumer.onnx" $seed "$strategy" >"$tmp/api_plan.json"
cmp "$tmp/cli.onnx" "$tmp/cmake_consumer.onnx" ||
  fail "cmake_consumer's output differs from the CLI's"
# PlanFile's JSON is --plan --format=json's (which ends in a newline) but
# for the time taken.
plan_body() { grep -vE '^ "seconds": ' "$1"; [ -n "$(tail -c1 "$1")" ] && echo || true; }
diff <(plan_body "$tmp/api_plan.json") <(plan_body "$tmp/cli_plan.json") ||
  fail "PlanFile differs from --plan --format=json"
# Bad options: InvalidArgument with the CLI's message.
if env -u LD_LIBRARY_PATH "$tmp/cmake_consumer/reinit_app" "$model" \
     "$tmp/bad.onnx" 0 'no_such_strategy' >/dev/null 2>"$tmp/bad.err"; then
  fail "a bad strategy was accepted"
fi
grep -q no_such_strategy "$tmp/bad.err" || fail "bad strategy message: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/bad.onnx" ] || fail "a failed run left its output"

# README "Use from C++" quotes these files as they are.
readme=$here/../../README.md
awk -v dir="$tmp/readme" 'BEGIN { system("mkdir -p " dir) }
  /^```(cpp|cmake)$/ { n++; out = dir "/" n "." substr($0, 4); next }
  /^```$/ { out = ""; next }
  out != "" { print > out }' "$readme"
for f in main.cc:cpp CMakeLists.txt:cmake; do
  found=0
  for block in "$tmp"/readme/*."${f#*:}"; do
    [ -e "$block" ] && cmp -s "$block" "$here/cmake_consumer/${f%%:*}" && found=1
  done
  [ $found = 1 ] || fail "README.md does not quote tests/install/cmake_consumer/${f%%:*} as it is"
done

# --- a plain Makefile with pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg-config --exists onnx_reinit || fail "pkg-config does not find onnx_reinit"
[ "$(pkg-config --modversion onnx_reinit)" = "${version##* }" ] ||
  fail "onnx_reinit.pc version $(pkg-config --modversion onnx_reinit)"
cp -r "$here/pkgconfig_consumer" "$tmp/pkgconfig_consumer"
make -C "$tmp/pkgconfig_consumer" -j1 >"$tmp/make.log" 2>&1 ||
  { cat "$tmp/make.log"; fail "building pkgconfig_consumer"; }
env -u LD_LIBRARY_PATH "$tmp/pkgconfig_consumer/reinit_bytes" "$model" \
  "$tmp/pkgconfig_consumer.onnx" $seed "$strategy"
cmp "$tmp/cli.onnx" "$tmp/pkgconfig_consumer.onnx" ||
  fail "pkgconfig_consumer's output differs from the CLI's"

# --- bash completion: flags from --help, value words the CLI accepts
complete_line() {  # complete_line WORD... -> COMPREPLY, one per line
  PATH=$prefix/bin:$PATH bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _onnx_reinit onnx-reinit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$prefix/share/bash-completion/completions/onnx-reinit" "$@"
}
flags=$(complete_line onnx-reinit --)
for f in --strategy= --seed= --plan --in_place --output= --format= --help --version; do
  grep -qx -- "$f" <<<"$flags" || fail "completion of -- lacks $f: $flags"
done
# Every flag --help lists is completed.
for f in $("$cli" --help | sed -n -E 's/^  (-[[:alnum:]], |    )(--[[:alnum:]_]+).*/\2/p'); do
  grep -qE -- "^$f=?$" <<<"$flags" || fail "completion lacks $f"
done
[ "$(complete_line onnx-reinit --form)" = "--format=" ] || fail "completing --form"
[ "$(complete_line onnx-reinit m.onnx --format = j)" = "json" ] || fail "completing --format=j"
[ "$(complete_line onnx-reinit m.onnx --simd '=' | sort | tr '\n' ' ')" = "auto avx2 avx512 baseline " ] ||
  fail "completing --simd="
grep -qx he_normal <<<"$(complete_line onnx-reinit --strategy = he)" || fail "completing --strategy=he"
mkdir -p "$tmp/files/sub" && touch "$tmp/files/a.onnx" "$tmp/files/b.json"
[ "$(complete_line onnx-reinit "$tmp/files/" | sort | tr '\n' ' ')" = "$tmp/files/a.onnx $tmp/files/sub " ] ||
  fail "completing MODEL: $(complete_line onnx-reinit "$tmp/files/")"
[ "$(complete_line onnx-reinit m.onnx --config "$tmp/files/b")" = "$tmp/files/b.json" ] ||
  fail "completing --config FILE"
[ "$(complete_line onnx-reinit m.onnx -o "$tmp/files/a")" = "$tmp/files/a.onnx" ] ||
  fail "completing -o FILE"
# The value words the script offers are the ones the CLI takes: a valid one
# gets as far as reading the (missing) model, exit 1; an invalid one is a
# usage error, exit 2.
for flag in --format --external_data --simd --profile --fan_convention --seed_from; do
  for word in $(complete_line onnx-reinit m.onnx "$flag" =) no_such_word; do
    extra=(-o "$tmp/none.onnx")
    [ "$flag" = --format ] && extra=(--plan)
    rc=0
    "$cli" "$tmp/no_such_model.onnx" "${extra[@]}" "$flag=$word" >/dev/null 2>"$tmp/word.err" || rc=$?
    if [ "$word" = no_such_word ]; then
      [ $rc = 2 ] || fail "$flag=$word: exit $rc, expected 2"
    elif [ $rc != 1 ] && ! { [ "$flag" = --simd ] && grep -qi 'cpu' "$tmp/word.err"; }; then
      fail "$flag=$word (offered by the completion): exit $rc: $(cat "$tmp/word.err")"
    fi
  done
done
echo "ok: installed into a temporary prefix; CLI, cmake_consumer and pkgconfig_consumer agree"
