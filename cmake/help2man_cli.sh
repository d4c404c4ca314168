#!/usr/bin/env bash
# help2man runs this in place of the CLI ($ONNX_REINIT_CLI): the same --help
# and --version, with the synopsis spelled as help2man reads one ("Usage:",
# then "  or:" lines), so the man page gets a SYNOPSIS section, and a blank
# line after each strategy so each is a paragraph of its own.
set -euo pipefail
"$ONNX_REINIT_CLI" "$@" |
  sed -e '1s/^usage: /Usage: /' -e 's/^       onnx-reinit /  or:  onnx-reinit /' \
      -e '/^strategies:$/,/^$/{/^  /G}'
