#!/bin/sh
# The fuzz smoke run: builds every libFuzzer target (clang, -fsanitize=fuzzer,address,undefined,
# -fno-sanitize-recover=undefined) and runs each for a few seconds from its corpus and dictionary.
# Fails on any crash, result mismatch, leak or timeout, printing the log and the input that did it.
#
# Usage: tools/fuzz-smoke.sh [-t SECONDS] [TARGET...]        (default: 3 seconds, every target)
# Environment:
#   FUZZ_BUILD_DIR    the build tree (default /tmp/fuzz-libfuzzer; never inside the repository)
#   FUZZ_JOBS         targets run at once (default: nproc)
#   FUZZ_PARSER_SRC   build against these parser sources instead of parser/src (tools/fuzz-planted-bug.sh)
#   FUZZ_EMPTY_CORPUS=1  start from an empty corpus (the dictionary only), to show what fuzzing alone finds
#   FUZZ_BUILD_ONLY=1 configure and build, run nothing
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SMOKE_SECONDS:-3}
if [ "${1:-}" = "-t" ]; then secs=$2; shift 2; fi
build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"

echo "== fuzz smoke: building libFuzzer targets in $build"
# shellcheck disable=SC2086
CC=${FUZZ_CC:-clang} cmake -S "$top" -B "$build" $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCORSHDR_FUZZ_ENGINE=libfuzzer -DCORSHDR_SANITIZE=ON -DCORSHDR_FUZZ_SANITIZERS=address,undefined \
  -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_TOOLS=OFF -DCORSHDR_BUILD_BENCH=OFF \
  -DCORSHDR_FUZZ_PARSER_SRC="${FUZZ_PARSER_SRC:-}" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1 || { tail -50 "$build.build.log"; exit 1; }
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

if [ $# -eq 0 ]; then
  set -- $(cd "$build/harness" && ls fuzz_* | sed 's/^fuzz_//' | sort)
fi
out=$build/smoke
rm -rf "$out"
mkdir -p "$out"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() { # target
  t=$1
  bin=$build/harness/fuzz_$t
  mkdir -p "$out/$t/corpus"
  seeds=$top/corpus/$t
  [ "${FUZZ_EMPTY_CORPUS:-0}" = 1 ] && seeds=""
  # New inputs go to a scratch folder: the repository corpus is only read.
  # shellcheck disable=SC2086
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
       -dict="$top/corpus/$t.dict" -artifact_prefix="$out/$t/" "$out/$t/corpus" $seeds >"$out/$t/log" 2>&1; then
    echo ok >"$out/$t/status"
  else
    echo "failed ($?)" >"$out/$t/status"
  fi
}

echo "== fuzz smoke: $# targets, ${secs}s each, $jobs at a time"
running=0
for t in "$@"; do
  [ -x "$build/harness/fuzz_$t" ] || { echo "no target $t" >&2; exit 2; }
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done
wait

fail=0
for t in "$@"; do
  st=$(cat "$out/$t/status" 2>/dev/null || echo "did not run")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t/log" | tail -1)
  printf '%-20s %-12s %8s execs %7s/s\n' "$t" "$st" "${execs:-?}" "${rate:-?}"
  if [ "$st" != ok ]; then
    fail=1
    echo "---- $t: $out/$t/log"
    grep -E "MISMATCH|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY|Test unit written" \
      "$out/$t/log" | head -20 || tail -30 "$out/$t/log"
  fi
done
[ "$fail" = 0 ] && echo "== fuzz smoke: passed" || echo "== fuzz smoke: FAILED"
exit "$fail"
