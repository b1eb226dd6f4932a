#!/bin/sh
# How much of parser/src the fuzz corpora and the unit tests reach: clang source-based coverage
# (CORSHDR_COVERAGE) of the replay drivers run over corpus/<target>/ and of the CMocka unit tests,
# merged with llvm-profdata; llvm-cov's figures printed per file of parser/src (lines and branches,
# covered/total and percent), then the total. tools/fuzz/coverage.py does the work; see its --help.
#
# Usage: tools/fuzz-coverage.sh [EXTRA_ROOT] [--no-unit-tests] [--target T]... [--extra T=DIR]...
#                               [--json FILE] [--html DIR]
#   EXTRA_ROOT: also replay EXTRA_ROOT/<target>/corpus/ (a campaign work root, e.g. /tmp/fuzz-campaign)
# Environment: FUZZ_COVERAGE_DIR (the build, default /tmp/fuzz-coverage), FUZZ_CC, LLVM_PROFDATA, LLVM_COV.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ] && [ -d "$1" ]; then
  root=$1
  shift
  set -- --root "$root" "$@"
fi
exec /usr/bin/python3 "$top/tools/fuzz/coverage.py" "$@"
