#!/bin/sh
# MemorySanitizer pass over the fuzz corpora: the library and the replay drivers built with
# clang -fsanitize=memory (origins tracked), each replaying corpus/<target>/. Fails on any report.
#
# The conform target is left out (CORSHDR_FUZZ_JANSSON=OFF): it links jansson, and MSan needs every
# byte-producing dependency instrumented; Debian's libjansson is not, so MSan would flag the strings
# jansson returns as uninitialized (false reports) unless jansson were rebuilt with -fsanitize=memory.
# The head target is kept: the tool's head reader has no dependency.
#
# Usage: tools/fuzz-msan.sh [TARGET...]     Environment: FUZZ_MSAN_DIR (default /tmp/fuzz-msan)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_MSAN_DIR:-/tmp/fuzz-msan}
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
flags="-fsanitize=memory -fsanitize-memory-track-origins=2 -fno-omit-frame-pointer -fno-sanitize-recover=all"
# shellcheck disable=SC2086
CC=${FUZZ_CC:-clang} cmake -S "$top" -B "$build" $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=memory" \
  -DCORSHDR_FUZZ_JANSSON=OFF -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_TOOLS=OFF -DCORSHDR_BUILD_BENCH=OFF \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >"$build.build.log" 2>&1 ||
  { tail -40 "$build.build.log"; exit 1; }

if [ $# -eq 0 ]; then
  set -- $(cd "$build/harness" && ls replay_* | sed 's/^replay_//' | sort)
fi
export MSAN_OPTIONS=${MSAN_OPTIONS:-halt_on_error=1:print_stats=0}
fail=0
for t in "$@"; do
  if "$build/harness/replay_$t" "$top/corpus/$t" >"$build/$t.log" 2>&1; then
    printf '%-20s ok   %s\n' "$t" "$(tail -1 "$build/$t.log")"
  else
    printf '%-20s FAILED\n' "$t"
    grep -E "WARNING: MemorySanitizer|SUMMARY|MISMATCH|failing input" "$build/$t.log" | head -5
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "== msan: passed (conform excluded: jansson is not instrumented)" || echo "== msan: FAILED"
exit "$fail"
