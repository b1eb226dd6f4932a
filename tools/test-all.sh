#!/bin/sh
# Every test of the project, on a fresh Debian 12 machine: installs what it needs, then builds with gcc
# and clang (-Werror) and with clang ASan+UBSan, and runs every CTest suite in each build.
# Usage: sh tools/test-all.sh        (build trees go to ./build/test-*)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)

stage() { echo; echo "==== $* ($(( $(date +%s) - start ))s)"; }

stage "dependencies"
sh tools/setup-deps.sh test

build_and_test() { # name, cc, extra cmake args...
  name=$1 cc=$2; shift 2
  dir=$top/build/test-$name
  stage "$name: build"
  CC=$cc cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  stage "$name: tests"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}

build_and_test gcc gcc -DCORSHDR_NGINX_TESTS=ON   # and the nginx module, built and tested in nginx
build_and_test clang clang
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
build_and_test sanitize clang -DCORSHDR_SANITIZE=ON

stage "fuzz: every target built for libFuzzer (ASan+UBSan), a smoke run of each from its corpus"
FUZZ_BUILD_DIR="$top/build/fuzz-libfuzzer" sh tools/fuzz-smoke.sh

stage "fuzz: the AFL++ driver and cmplog, campaign summaries, the fold into corpus/, the coverage table"
/usr/bin/python3 tools/fuzz/test_tools.py "$top/build/fuzz-libfuzzer"

stage "fuzz: a one-byte bug planted in a copy of parser/src is caught by the smoke run"
FUZZ_PLANTED_DIR="$top/build/fuzz-planted" sh tools/fuzz-planted-bug.sh

stage "fuzz: the corpora replayed under MemorySanitizer"
FUZZ_MSAN_DIR="$top/build/fuzz-msan" sh tools/fuzz-msan.sh

stage "conformance: the pinned third-party adapters (npm ci in conformance/adapters)"
(cd conformance/adapters && npm ci --no-audit --no-fund --loglevel=error)

stage "conformance: vectors through both adapters, properties, browsers, third-party records, the runner's own tests"
/usr/bin/python3 -m pytest conformance -q -p no:cacheprovider --corshdr "$top/build/test-gcc/tools/corshdr/corshdr" \
  --libcorshdr "$top/build/test-gcc/libcorshdr.so" --junitxml "$top/build/test-gcc/conformance-junit.xml" \
  --report-dir "$top/build/test-gcc/conformance-report"

stage "conformance: every vector through corshdr conform built with ASan+UBSan"
/usr/bin/python3 -m conformance.run --impl "$top/build/test-sanitize/tools/corshdr/corshdr conform" --label corshdr-asan \
  --profile all --strict --out "$top/build/test-sanitize/conformance-report"

stage "all tests passed"
