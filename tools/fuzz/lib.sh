# Sourced by tools/fuzz-*.sh (POSIX sh): the AFL++ build and run environment, and build locking.
# Needs $top (the repository) set by the caller.

fuzz_gen=""
command -v ninja >/dev/null 2>&1 && fuzz_gen="-G Ninja"

# Campaigns started side by side share build trees: one configures and builds a tree at a time.
fuzz_lock() { # build dir
  exec 9>"$1.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
}
fuzz_unlock() {
  exec 9>&-
}

# The AFL++ engine binaries (harness/afl_main.c) in DIR: CORSHDR_FUZZ_ENGINE=afl with afl-clang-fast, or
# afl-clang-lto when FUZZ_AFL_LTO=1 (collision-free edge ids and an automatic dictionary; static
# libraries then need llvm-ar, and the link ld.lld: Debian's llvm and lld). FUZZ_AFL_CMPLOG=1 makes the
# cmplog twin (AFL_LLVM_CMPLOG=1), which afl-fuzz runs beside the plain binary with -c. Builds the targets
# named, or all.
# Usage: fuzz_build_afl DIR [TARGET...]
fuzz_build_afl() {
  b=$1
  shift
  cc=afl-clang-fast
  lto_args=""
  if [ "${FUZZ_AFL_LTO:-0}" = 1 ]; then
    cc=afl-clang-lto
    ar=$(command -v llvm-ar || command -v llvm-ar-14 || true)
    ranlib=$(command -v llvm-ranlib || command -v llvm-ranlib-14 || true)
    [ -n "$ar" ] && [ -n "$ranlib" ] || { echo "afl-clang-lto needs llvm-ar and llvm-ranlib" >&2; return 1; }
    lto_args="-DCMAKE_AR=$ar -DCMAKE_RANLIB=$ranlib"
  fi
  command -v "$cc" >/dev/null 2>&1 || { echo "$cc not found: install Debian's afl++ (tools/setup-deps.sh test)" >&2; return 1; }
  cmplog_env=""
  [ "${FUZZ_AFL_CMPLOG:-0}" = 1 ] && cmplog_env="AFL_LLVM_CMPLOG=1"
  # shellcheck disable=SC2086
  env $cmplog_env CC=$cc cmake -S "$top" -B "$b" $fuzz_gen -DCMAKE_BUILD_TYPE=RelWithDebInfo $lto_args \
    -DCORSHDR_FUZZ_ENGINE=afl -DCORSHDR_FUZZ_SANITIZERS="${FUZZ_SANITIZERS-address,undefined}" \
    -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_TOOLS=OFF -DCORSHDR_BUILD_BENCH=OFF \
    >"$b.configure.log" 2>&1 || { cat "$b.configure.log" >&2; return 1; }
  targets=""
  for t in "$@"; do targets="$targets --target fuzz_$t"; done
  # shellcheck disable=SC2086
  env $cmplog_env cmake --build "$b" $targets -j "$(nproc 2>/dev/null || echo 2)" >"$b.build.log" 2>&1 ||
    { tail -40 "$b.build.log" >&2; return 1; }
}

# The environment of an AFL++ run.
# - LSAN_OPTIONS set here: when it is unset, afl-fuzz (4.04c, Debian 12) sets it to a value with
#   fast_unwind_on_malloc=0, and ASan reads LSAN_OPTIONS after ASAN_OPTIONS, so every malloc and free of
#   the target recorded a 30-frame stack with libgcc's slow unwinder: 68% of the target's time in
#   _Unwind_Find_FDE and friends, 7 times fewer execs (perf, name_list). The targets copy every span
#   into its own allocation, so they malloc a lot.
# - detect_leaks=0: LeakSanitizer runs when a process exits, and a persistent AFL++ process is killed,
#   never exits; leaks are libFuzzer's to find (it checks each input that mallocs more than it frees).
# - abort_on_error=1: AFL++ sees a crash only as a signal.
fuzz_afl_env() {
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
  export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:fast_unwind_on_malloc=1
  export LSAN_OPTIONS=fast_unwind_on_malloc=1:symbolize=0:print_suppressions=0
  export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:symbolize=0
}

# "1.5h", "30m", "90s" or a bare number of hours: seconds (at least 1).
fuzz_seconds() {
  awk -v d="$1" 'BEGIN {
    u = substr(d, length(d)); n = d; m = 3600
    if (u == "s") { m = 1 } else if (u == "m") { m = 60 } else if (u == "h") { m = 3600 }
    if (u ~ /[smh]/) n = substr(d, 1, length(d) - 1)
    if (n !~ /^[0-9]*\.?[0-9]+$/) { print "bad"; exit }
    s = int(n * m); print (s < 1 ? 1 : s) }'
}
