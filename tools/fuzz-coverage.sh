#!/bin/sh
# How much of parser/src the fuzz corpora reach: clang source-based coverage (-fprofile-instr-generate
# -fcoverage-mapping, the CORSHDR_COVERAGE build option) of the replay drivers run over corpus/<target>/
# (and over extra corpus folders, e.g. a campaign's), merged with llvm-profdata and reported by llvm-cov
# for parser/src only: per file, then the line and branch totals.
#
# Usage: tools/fuzz-coverage.sh [EXTRA_ROOT]
#   EXTRA_ROOT: a folder with <target>/corpus/ subfolders (tools/fuzz-campaign.sh's /tmp/fuzz-campaign)
# Environment: FUZZ_COVERAGE_DIR (default /tmp/fuzz-coverage), LLVM_PROFDATA, LLVM_COV.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
extra=${1:-}
build=${FUZZ_COVERAGE_DIR:-/tmp/fuzz-coverage}
profdata=${LLVM_PROFDATA:-$(command -v llvm-profdata || command -v llvm-profdata-14)}
cov=${LLVM_COV:-$(command -v llvm-cov || command -v llvm-cov-14)}
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"

# shellcheck disable=SC2086
CC=${FUZZ_CC:-clang} cmake -S "$top" -B "$build" $gen -DCMAKE_BUILD_TYPE=Debug -DCORSHDR_COVERAGE=ON \
  -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_TOOLS=OFF -DCORSHDR_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >"$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 1; }

prof=$build/profiles
rm -rf "$prof"
mkdir -p "$prof"
objects=""
for bin in "$build"/harness/replay_*; do
  t=${bin##*/replay_}
  dirs=$top/corpus/$t
  [ -n "$extra" ] && [ -d "$extra/$t/corpus" ] && dirs="$dirs $extra/$t/corpus"
  # shellcheck disable=SC2086
  LLVM_PROFILE_FILE=$prof/$t-%p.profraw "$bin" $dirs >"$prof/$t.log" 2>&1 ||
    { echo "replay_$t failed:"; tail -20 "$prof/$t.log"; exit 1; }
  echo "  $t: $(tail -1 "$prof/$t.log")"
  if [ -z "$objects" ]; then objects=$bin; else objects="$objects -object $bin"; fi
done
"$profdata" merge -sparse "$prof"/*.profraw -o "$build/corpus.profdata"
# shellcheck disable=SC2086
"$cov" report -instr-profile="$build/corpus.profdata" $objects "$top/parser/src" >"$build/report.txt"
sed "s#$top/##" "$build/report.txt"
awk '/^TOTAL/ {
  # TOTAL regions missed cover functions missed executed lines missed cover branches missed cover
  printf "parser/src coverage: lines %s (%d of %d), branches %s (%d of %d)\n", $10, $8 - $9, $8, $13, $11 - $12, $11
}' "$build/report.txt"
# shellcheck disable=SC2086
echo "html: $cov show -format=html -output-dir=$build/html -instr-profile=$build/corpus.profdata $objects $top/parser/src"
