#!/bin/sh
# Runs .clusterfuzzlite/build.sh locally the way ClusterFuzzLite does (CC=clang,
# CFLAGS=-fsanitize=fuzzer-no-link,address, LIB_FUZZING_ENGINE=-fsanitize=fuzzer, OUT=a temporary folder),
# then checks that every target's binary, seed corpus zip and dictionary exist, and that each binary runs
# over one of its seeds. CTest runs it as fuzz.clusterfuzzlite.
# Usage: tools/fuzz-cflite-test.sh [CC]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cc=${1:-clang}
out=$(mktemp -d /tmp/fuzz-cflite.XXXXXX)
trap 'rm -rf "$out"' EXIT

(cd "$top" && CC=$cc CXX= CXXFLAGS= CFLAGS="-fsanitize=fuzzer-no-link,address" \
   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$out SANITIZER=address bash .clusterfuzzlite/build.sh) \
  >"$out.log" 2>&1 || { cat "$out.log"; rm -f "$out.log"; exit 1; }
rm -f "$out.log"

fail=0
n=0
for h in "$top"/harness/fuzz_*.c; do
  t=$(basename "$h" .c)
  t=${t#fuzz_}
  [ "$t" = input ] && continue
  case $t in head|head_limits) [ -f "$top/tools/corshdr/head.c" ] || continue ;; esac
  if [ "$t" = conform ] && [ ! -f "$top/tools/corshdr/conform.c" ]; then continue; fi
  bin=$out/fuzz_$t
  for f in "$bin" "${bin}_seed_corpus.zip" "$bin.dict"; do
    [ -f "$f" ] || { echo "missing: $(basename "$f")"; fail=1; }
  done
  [ -x "$bin" ] || continue
  # One seed out of the zip, run once (as the builder's check_build does with its own inputs).
  seed=$out/seed-$t
  python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); names = z.namelist()
open(sys.argv[2], "wb").write(z.read(names[0]) if names else b"")' "${bin}_seed_corpus.zip" "$seed"
  if "$bin" -runs=1 -dict="$bin.dict" -artifact_prefix="$out/" "$seed" >"$out/run-$t.log" 2>&1; then
    n=$((n + 1))
  else
    echo "fuzz_$t failed on its seed:"; tail -20 "$out/run-$t.log"; fail=1
  fi
done
echo "clusterfuzzlite build: $n targets built and ran over a seed"
[ "$n" -gt 0 ] || fail=1
exit "$fail"
