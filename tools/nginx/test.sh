#!/bin/sh
# The nginx module's tests: builds it (tools/nginx/build.sh, into BUILD/nginx-module), then runs
# tools/nginx/tests/test_module.py against Debian's nginx with it loaded, and BUILD's corshdr probe.
#   sh tools/nginx/test.sh BUILD [unittest options]
# Needs nginx-dev and nginx-light (tools/setup-deps.sh test): without them it fails, it never skips.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD [unittest options]" >&2; exit 2; }
build=$1; shift
[ -x "$build/tools/corshdr/corshdr" ] || { echo "nginx module tests: no corshdr in $build/tools/corshdr" >&2; exit 2; }
module=$(sh "$here/build.sh" "$build" | tail -1)
exec /usr/bin/python3 "$here/tests/test_module.py" "$module" "$build/tools/corshdr/corshdr" "$@"
