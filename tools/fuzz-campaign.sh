#!/bin/sh
# A fuzzing campaign on one target, over the cores available.
#
# Usage: tools/fuzz-campaign.sh TARGET HOURS [--engine libfuzzer|afl] [--workers N] [--cmplog]
#   HOURS may be a fraction (0.25 = 15 minutes). Default engine libfuzzer, workers nproc.
#   libfuzzer: -jobs/-workers with N workers, in batches until the deadline (a job ends at the deadline or
#              at its first crash; then the next batch starts); crashes, leaks, timeouts go to crashes/.
#   afl:       AFL++ with one main instance (-M) and N-1 secondaries (-S) sharing a sync folder, in
#              persistent mode; --cmplog adds a cmplog binary (AFL_LLVM_CMPLOG=1 build) to the main one.
#              Every instance's crashes/ and hangs/ are copied to crashes/ at the end.
# Work folder: ${FUZZ_CAMPAIGN_DIR:-/tmp/fuzz-campaign}/TARGET/{corpus,crashes,logs,afl}; the corpus
# starts from corpus/TARGET/ (the repository copy is only read). Then:
#   tools/fuzz-triage.sh TARGET /tmp/fuzz-campaign/TARGET/crashes    minimize, dedupe, add regressions
#   tools/fuzz/seed.py --no-seed --merge BUILD --extra /tmp/fuzz-campaign TARGET   fold new coverage into corpus/
# Builds: FUZZ_BUILD_DIR (libFuzzer, default /tmp/fuzz-libfuzzer), FUZZ_AFL_BUILD_DIR (/tmp/fuzz-afl).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,18p' "$0"; exit 2; }
target=$1 hours=$2
shift 2
engine=libfuzzer workers=$(nproc 2>/dev/null || echo 2) cmplog=0
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --cmplog) cmplog=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
secs=$(awk -v h="$hours" 'BEGIN { s = int(h * 3600); print (s < 1 ? 1 : s) }')
dir=${FUZZ_CAMPAIGN_DIR:-/tmp/fuzz-campaign}/$target
mkdir -p "$dir/corpus" "$dir/crashes" "$dir/logs"
gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Campaigns started side by side share a build tree: one configures and builds it at a time.
lock() {
  exec 9>"$1.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
}
unlock() {
  exec 9>&-
}

build_afl() { # dir, extra env
  b=$1
  # shellcheck disable=SC2086
  env $2 CC=afl-clang-fast cmake -S "$top" -B "$b" $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCORSHDR_FUZZ_ENGINE=afl -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_TOOLS=OFF -DCORSHDR_BUILD_BENCH=OFF \
    >"$b.configure.log" 2>&1 || { cat "$b.configure.log"; exit 1; }
  # shellcheck disable=SC2086
  env $2 cmake --build "$b" --target "fuzz_$target" >"$b.build.log" 2>&1 || { tail -40 "$b.build.log"; exit 1; }
}

case $engine in
libfuzzer)
  build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
  lock "$build"
  FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$build sh "$top/tools/fuzz-smoke.sh"
  unlock
  bin=$build/harness/fuzz_$target
  [ -x "$bin" ] || { echo "no target $target" >&2; exit 2; }
  echo "== campaign $target: libFuzzer, $workers workers, ${secs}s, in $dir"
  start=$(date +%s)
  # Batches of $workers jobs, each job ending at the deadline or at its first crash; a new batch starts
  # while time is left. timeout -s KILL (sent to the whole process group) is only a safety net.
  deadline=$((start + secs))
  batch=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    left=$((deadline - $(date +%s)))
    batch=$((batch + 1))
    mkdir -p "$dir/logs/batch-$batch"
    (cd "$dir/logs/batch-$batch" && timeout -s KILL "$((left + 120))" "$bin" -jobs="$workers" \
       -workers="$workers" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
       -print_final_stats=1 -dict="$top/corpus/$target.dict" -artifact_prefix="$dir/crashes/" \
       "$dir/corpus" "$top/corpus/$target" >main.log 2>&1) || true
    [ "$(date +%s)" -lt "$deadline" ] && sleep 1
  done
  elapsed=$(( $(date +%s) - start ))
  execs=$(cat "$dir"/logs/batch-*/fuzz-*.log 2>/dev/null | sed -n 's/^stat::number_of_executed_units: *//p' |
          awk '{ s += $1 } END { print s + 0 }')
  ;;
afl)
  build=${FUZZ_AFL_BUILD_DIR:-/tmp/fuzz-afl}
  lock "$build"
  build_afl "$build" ""
  bin=$build/harness/fuzz_$target
  cmplog_arg=""
  if [ "$cmplog" = 1 ]; then
    build_afl "$build-cmplog" "AFL_LLVM_CMPLOG=1"
    cmplog_arg="-c $build-cmplog/harness/fuzz_$target"
  fi
  unlock
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
  # AFL++ insists on sanitizers that abort, so that it sees the crash.
  export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
  sync=$dir/afl
  echo "== campaign $target: AFL++, 1 main + $((workers - 1)) secondaries, ${secs}s, in $dir"
  start=$(date +%s)
  # shellcheck disable=SC2086
  afl-fuzz -M main -i "$top/corpus/$target" -o "$sync" -x "$top/corpus/$target.dict" -m none -t 10000 \
    -V "$secs" $cmplog_arg -- "$bin" >"$dir/logs/afl-main.log" 2>&1 &
  i=2
  while [ "$i" -le "$workers" ]; do
    afl-fuzz -S "s$i" -i "$top/corpus/$target" -o "$sync" -x "$top/corpus/$target.dict" -m none -t 10000 \
      -V "$secs" -- "$bin" >"$dir/logs/afl-s$i.log" 2>&1 &
    i=$((i + 1))
  done
  wait
  elapsed=$(( $(date +%s) - start ))
  execs=0
  for st in "$sync"/*/fuzzer_stats; do
    [ -f "$st" ] || continue
    e=$(sed -n 's/^execs_done *: *//p' "$st")
    execs=$((execs + ${e:-0}))
  done
  for d in "$sync"/*/crashes "$sync"/*/hangs; do
    [ -d "$d" ] || continue
    inst=$(basename "$(dirname "$d")")
    kind=$(basename "$d")
    for f in "$d"/id:*; do
      [ -f "$f" ] || continue
      cp "$f" "$dir/crashes/afl-$inst-$kind-$(basename "$f" | cut -d, -f1 | tr ':' '-')"
    done
  done
  # The working corpus, for merging back and for coverage.
  for q in "$sync"/*/queue; do
    [ -d "$q" ] && cp "$q"/id:* "$dir/corpus/" 2>/dev/null || true
  done
  ;;
*) echo "engine must be libfuzzer or afl" >&2; exit 2 ;;
esac

crashes=$(find "$dir/crashes" -type f | wc -l)
rate=$(awk -v e="$execs" -v s="$elapsed" 'BEGIN { printf "%d", (s > 0 ? e / s : 0) }')
echo "== campaign $target ($engine): ${elapsed}s, $execs execs, $rate execs/s over $workers workers," \
     "corpus $(ls "$dir/corpus" | wc -l) files, $crashes crash files in $dir/crashes"
[ "$crashes" -eq 0 ] || echo "   next: tools/fuzz-triage.sh $target $dir/crashes"
