#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of the corshdr fuzz targets (harness/fuzz_*.c).
# Honours the variables those builders set: $CC, $CFLAGS, $CXX, $CXXFLAGS (the link: libFuzzer and AFL++'s
# driver are C++), $LIB_FUZZING_ENGINE, $OUT, $SANITIZER. Writes $OUT/fuzz_<target>, with the seed corpus
# $OUT/fuzz_<target>_seed_corpus.zip (corpus/<target>/) and the dictionary $OUT/fuzz_<target>.dict.
# The conform target links jansson statically; it is left out of MSan builds, since an uninstrumented
# jansson gives MemorySanitizer false reports.
# Locally: tools/fuzz-cflite-test.sh runs this with CC=clang, CFLAGS=-fsanitize=fuzzer-no-link,address,
# LIB_FUZZING_ENGINE=-fsanitize=fuzzer and a temporary OUT.

# The repository: the working directory in the builder image ($SRC/corshdr), else this script's parent.
if [ -f parser/include/corshdr.h ]; then
  top=$(pwd)
else
  top=$(cd "$(dirname "$0")/.." && pwd)
fi
: "${CC:=clang}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:?set OUT to the output folder}"
if [ -z "${CXX:-}" ]; then
  CXX=$(command -v clang++ || echo "$CC")
  CXXFLAGS=${CXXFLAGS:-$CFLAGS}
fi
: "${CXXFLAGS:=$CFLAGS}"
msan=0
case "${SANITIZER:-} $CFLAGS" in *memory*) msan=1 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/corshdr-cflite.XXXXXX")
trap 'rm -rf "$work"' EXIT
std="-std=c11 -I$top/parser/include -I$top/harness"
mkdir -p "$OUT"

# The library and the harness support code, compiled once.
objs=""
for src in "$top"/parser/src/*.c "$top/harness/fuzz_input.c" "$top/harness/oracle.c"; do
  o=$work/$(basename "$src" .c).o
  # shellcheck disable=SC2086
  $CC $CFLAGS $std -c "$src" -o "$o"
  objs="$objs $o"
done

tool=$top/tools/corshdr
jansson_cflags=$(pkg-config --cflags jansson 2>/dev/null || true)
jansson_static=""
for d in $(pkg-config --variable=libdir jansson 2>/dev/null) /usr/lib/x86_64-linux-gnu /usr/local/lib /usr/lib; do
  if [ -f "$d/libjansson.a" ]; then jansson_static=$d/libjansson.a; break; fi
done

built=""
for h in "$top"/harness/fuzz_*.c; do
  t=$(basename "$h" .c)
  t=${t#fuzz_}
  [ "$t" = input ] && continue # harness/fuzz_input.c is the shared decoder, not a target
  extra="" extra_flags="" libs=""
  case $t in
    head|head_limits)
      [ -f "$tool/head.c" ] || { echo "skip $t: no $tool/head.c"; continue; }
      extra="$tool/head.c $top/harness/head_check.c" extra_flags="-I$tool" ;;
    conform)
      if [ "$msan" = 1 ]; then echo "skip $t: jansson is not MSan-instrumented"; continue; fi
      [ -n "$jansson_static" ] || { echo "skip $t: no static jansson (libjansson.a)"; continue; }
      extra="$tool/conform.c $tool/cli.c $tool/args.c $tool/jsonb.c $tool/sized.c"
      extra_flags="-I$tool $jansson_cflags" libs=$jansson_static ;;
  esac
  tobjs=""
  for src in "$h" $extra; do
    o=$work/$t-$(basename "$src" .c).o
    # shellcheck disable=SC2086
    $CC $CFLAGS $std $extra_flags -c "$src" -o "$o"
    tobjs="$tobjs $o"
  done
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $tobjs $objs $libs $LIB_FUZZING_ENGINE -o "$OUT/fuzz_$t"

  # Seeds and dictionary, named after the binary so both engines find them.
  if [ -d "$top/corpus/$t" ]; then
    rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
    (cd "$top/corpus/$t" && python3 -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(".")):
        if not n.startswith(".") and os.path.isfile(n):
            z.write(n)' "$OUT/fuzz_${t}_seed_corpus.zip")
  fi
  [ -f "$top/corpus/$t.dict" ] && cp "$top/corpus/$t.dict" "$OUT/fuzz_$t.dict"
  built="$built fuzz_$t"
done
echo "corshdr: built$built"
