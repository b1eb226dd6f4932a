#!/bin/sh
# Regenerates the fuzz seed corpora corpus/<target>/ and dictionaries corpus/<target>.dict from the
# conformance vectors (tools/fuzz/seed.py), then, given a libFuzzer build, minimizes each corpus with
# -merge=1 (files listed in corpus/REGRESSIONS are always kept).
# Usage: tools/fuzz-seed.sh [--clean] [--merge BUILD_DIR | --build] [TARGET...]
#   --build   make the libFuzzer build first (/tmp/fuzz-libfuzzer, as tools/fuzz-smoke.sh does) and merge
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
args=""
build=""
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}; shift ;;
    *) break ;;
  esac
done
if [ -n "$build" ]; then
  FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$build sh "$top/tools/fuzz-smoke.sh"
  exec /usr/bin/python3 "$top/tools/fuzz/seed.py" --merge "$build" "$@"
fi
exec /usr/bin/python3 "$top/tools/fuzz/seed.py" "$@"
