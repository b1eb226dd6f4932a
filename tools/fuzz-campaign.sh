#!/bin/sh
# A fuzzing campaign on one target, over the cores available, with a JSON summary of what it did.
#
# Usage: tools/fuzz-campaign.sh TARGET DURATION [--engine libfuzzer|afl] [--workers N] [--cmplog] [--lto]
#                               [--summary DIR] [--work DIR] [--no-coverage]
#   DURATION: 90s, 30m, 1.5h, or a bare number of hours (0.25 = 15 minutes).
#   libfuzzer (default): -jobs/-workers with N workers (default nproc), in batches until the deadline (a job
#              ends at the deadline or at its first crash; then the next batch starts).
#   afl:       AFL++ (harness/afl_main.c: persistent mode, shared-memory test cases, deferred init), one
#              main instance (-M) and N-1 secondaries (-S) sharing a sync folder; --cmplog gives the main
#              instance a cmplog twin (-c, an AFL_LLVM_CMPLOG=1 build); --lto builds with afl-clang-lto.
#   --summary DIR: also write the summary as DIR/TARGET-ENGINE-<UTC time>.json (DIR is created). Without
#              it the summary stays in the work folder only: nothing is written into the checkout unless
#              asked.
#   --work DIR: the work folder (default ${FUZZ_CAMPAIGN_DIR:-/tmp/fuzz-campaign}/TARGET), emptied first:
#              corpus/ (the campaign's inputs; the repository's corpus/TARGET/ is only read), crashes/,
#              logs/, afl/, summary.json.
#   --no-coverage: skip the coverage figures (tools/fuzz/coverage.py --campaign: parser/src by corpus/TARGET,
#              and by every corpus plus the unit tests, each before and after adding the campaign's corpus).
# The summary (tools/fuzz/summary.py, format in harness/README.md): target, engine, duration, wall and CPU
# seconds, execs, execs/s, coverage before and after, crashes, mismatches among them, new corpus files.
# Then:
#   tools/fuzz-triage.sh TARGET WORK/crashes     minimize, dedupe, add regressions
#   tools/fuzz-fold.sh TARGET WORK               add the inputs that reach new edges to corpus/TARGET/
# Builds: FUZZ_BUILD_DIR (libFuzzer, default /tmp/fuzz-libfuzzer), FUZZ_AFL_BUILD_DIR (/tmp/fuzz-afl or
# /tmp/fuzz-afl-lto), FUZZ_COVERAGE_DIR (/tmp/fuzz-coverage).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/fuzz/lib.sh"
# The engine runs, started again through this script under tools/fuzz/rusage.py, which counts the CPU
# time of every process they start (AFL++'s persistent children included).
run_libfuzzer() { # bin dir target workers secs
  bin=$1 dir=$2 target=$3 workers=$4 secs=$5
  # Batches of $workers jobs, each job ending at the deadline or at its first crash; a new batch starts
  # while time is left. timeout -s KILL is only a safety net.
  deadline=$(( $(date +%s) + secs ))
  batch=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    left=$((deadline - $(date +%s)))
    batch=$((batch + 1))
    mkdir -p "$dir/logs/batch-$batch"
    (cd "$dir/logs/batch-$batch" && timeout -s KILL "$((left + 120))" "$bin" -jobs="$workers" \
       -workers="$workers" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
       -print_final_stats=1 -dict="$top/corpus/$target.dict" -artifact_prefix="$dir/crashes/" \
       "$dir/corpus" "$top/corpus/$target" >main.log 2>&1) || true
    if [ "$(date +%s)" -lt "$deadline" ]; then sleep 1; fi
  done
}
run_afl() { # bin dir target workers secs cmplog_arg
  bin=$1 dir=$2 target=$3 workers=$4 secs=$5 cmplog_arg=$6
  sync=$dir/afl
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
}
case ${1:-} in
  --run-libfuzzer) shift; run_libfuzzer "$@"; exit 0 ;;
  --run-afl) shift; run_afl "$@"; exit 0 ;;
esac

[ $# -ge 2 ] || { sed -n '2,27p' "$0"; exit 2; }
target=$1 duration=$2
shift 2
engine=libfuzzer workers=$(nproc 2>/dev/null || echo 2) cmplog=0 lto=0 summary_dir="" work="" coverage=1
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --cmplog) cmplog=1; shift ;;
    --lto) lto=1; shift ;;
    --summary) summary_dir=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --no-coverage) coverage=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
secs=$(fuzz_seconds "$duration")
[ "$secs" != bad ] || { echo "DURATION must be like 90s, 30m, 1.5h or 0.25 (hours), not '$duration'" >&2; exit 2; }
case $engine in libfuzzer|afl) ;; *) echo "--engine must be libfuzzer or afl" >&2; exit 2 ;; esac
[ -d "$top/corpus/$target" ] || { echo "no corpus/$target: unknown target $target" >&2; exit 2; }
dir=${work:-${FUZZ_CAMPAIGN_DIR:-/tmp/fuzz-campaign}/$target}
# The work folder is emptied: never the checkout itself (its corpus/) nor a folder inside corpus/. Checked
# on the path as given (nothing created yet), then on the real path.
not_there() {
  case $1/ in
    "$top"/|"$top"/./|"$top"/corpus/*) echo "the work folder must not be the checkout nor inside corpus/: $1" >&2; exit 2 ;;
  esac
}
case $dir in /*) not_there "$dir" ;; *) not_there "$(pwd)/${dir#./}" ;; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
not_there "$dir"
rm -rf "$dir/corpus" "$dir/crashes" "$dir/logs" "$dir/afl" "$dir/summary.json" "$dir/rusage.json" "$dir/coverage.json"
mkdir -p "$dir/corpus" "$dir/crashes" "$dir/logs"
cores=$(nproc 2>/dev/null || echo 2)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

case $engine in
libfuzzer)
  build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
  fuzz_lock "$build"
  FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$build sh "$top/tools/fuzz-smoke.sh" >/dev/null
  fuzz_unlock
  bin=$build/harness/fuzz_$target
  [ -x "$bin" ] || { echo "no target $target in $build" >&2; exit 2; }
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  echo "== campaign $target: libFuzzer, $workers workers, ${secs}s, in $dir"
  /usr/bin/python3 "$top/tools/fuzz/rusage.py" --json "$dir/rusage.json" -- \
    sh "$0" --run-libfuzzer "$bin" "$dir" "$target" "$workers" "$secs"
  ;;
afl)
  if [ "$lto" = 1 ]; then build=${FUZZ_AFL_BUILD_DIR:-/tmp/fuzz-afl-lto}; else build=${FUZZ_AFL_BUILD_DIR:-/tmp/fuzz-afl}; fi
  fuzz_lock "$build"
  FUZZ_AFL_LTO=$lto fuzz_build_afl "$build" "$target"
  fuzz_unlock
  bin=$build/harness/fuzz_$target
  cmplog_arg=""
  if [ "$cmplog" = 1 ]; then
    fuzz_lock "$build-cmplog"
    FUZZ_AFL_LTO=$lto FUZZ_AFL_CMPLOG=1 fuzz_build_afl "$build-cmplog" "$target"
    fuzz_unlock
    cmplog_arg="-c $build-cmplog/harness/fuzz_$target"
  fi
  fuzz_afl_env
  export AFL_AUTORESUME=1
  sync=$dir/afl
  echo "== campaign $target: AFL++, 1 main + $((workers - 1)) secondaries, ${secs}s, in $dir"
  /usr/bin/python3 "$top/tools/fuzz/rusage.py" --json "$dir/rusage.json" -- \
    sh "$0" --run-afl "$bin" "$dir" "$target" "$workers" "$secs" "$cmplog_arg"
  for d in "$sync"/*/crashes "$sync"/*/hangs; do
    [ -d "$d" ] || continue
    inst=$(basename "$(dirname "$d")")
    kind=$(basename "$d")
    for f in "$d"/id:*; do
      [ -f "$f" ] || continue
      cp "$f" "$dir/crashes/afl-$inst-$kind-$(basename "$f" | cut -d, -f1 | tr ':' '-')"
    done
  done
  # The working corpus, for folding back and for coverage.
  for q in "$sync"/*/queue; do
    [ -d "$q" ] && cp "$q"/id:* "$dir/corpus/" 2>/dev/null || true
  done
  ;;
esac
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")

if [ "$coverage" = 1 ]; then
  echo "== coverage of parser/src before and after the campaign's corpus"
  cov=${FUZZ_COVERAGE_DIR:-/tmp/fuzz-coverage}
  fuzz_lock "$cov"
  /usr/bin/python3 "$top/tools/fuzz/coverage.py" --build "$cov" --campaign "$target" "$dir/corpus" \
    --json "$dir/coverage.json"
  fuzz_unlock
fi

/usr/bin/python3 "$top/tools/fuzz/summary.py" --target "$target" --engine "$engine" --dir "$dir" --bin "$bin" \
  --seconds "$secs" --workers "$workers" --cmplog "$cmplog" --lto "$lto" --started "$started" \
  --load-start "$load_start" --load-end "$load_end" --cores "$cores" --summary-dir "$summary_dir" \
  --command "tools/fuzz-campaign.sh $target $duration --engine $engine --workers $workers$( [ "$cmplog" = 1 ] && echo " --cmplog")$( [ "$lto" = 1 ] && echo " --lto")"
