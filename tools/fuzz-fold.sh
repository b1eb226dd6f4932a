#!/bin/sh
# Adds a campaign's corpus growth to the repository: the inputs of each DIR (a campaign work folder, for its
# corpus/, or any folder of inputs) that reach an edge corpus/TARGET/ does not, found by libFuzzer's
# -merge=1 into a copy of corpus/TARGET/ (edges only, -use_counters=0, as tools/fuzz/seed.py minimizes),
# each added as corpus/TARGET/<SHA-1 of its content>. Nothing is removed; inputs of either engine (libFuzzer
# units, AFL++ queue files) are read alike. Prints what it added; commit it with the campaign's summary.
#
# Usage: tools/fuzz-fold.sh TARGET DIR...
# Build: FUZZ_BUILD_DIR (libFuzzer, default /tmp/fuzz-libfuzzer), made by tools/fuzz-smoke.sh if needed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,9p' "$0"; exit 2; }
target=$1
shift
build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
[ -x "$build/harness/fuzz_$target" ] || FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$build sh "$top/tools/fuzz-smoke.sh" >/dev/null
n=$#
for d in "$@"; do set -- "$@" --add "$d"; done
shift "$n"
exec /usr/bin/python3 "$top/tools/fuzz/seed.py" --no-seed --merge "$build" "$@" "$target"
