#!/bin/sh
# Triage of fuzz crashes: reproduce, minimize, deduplicate, and keep each distinct finding as a regression.
#
# Usage: tools/fuzz-triage.sh TARGET CRASH_FILE_OR_DIR... [--no-add]
#   1. Each file is run once through the libFuzzer binary fuzz_TARGET; files that do not fail are reported
#      and dropped (flaky, or fixed already).
#   2. Each failure gets a signature: the harness check that fired ("mismatch fuzz_x.c:LINE"), else the
#      sanitizer's SUMMARY line (kind, file, function), else the kind (leak, timeout, signal) and the first
#      stack frame in corshdr's code.
#   3. Crashes are minimized with libFuzzer -minimize_crash=1 (timeouts are kept as they are); a minimized
#      input replaces the original if it still fails with the same signature; if it fails another way
#      (minimizing can drift to a neighbouring check), both are kept, each under its own signature.
#   4. One input per signature (the smallest) is kept: copied to corpus/TARGET/<sha1 of its content> and
#      listed in corpus/REGRESSIONS ("TARGET/<sha1>  signature"). CTest's fuzz.replay.TARGET replays every
#      file of corpus/TARGET/, so the copy is the regression test: it fails until the bug is fixed, then
#      guards the fix. tools/fuzz/seed.py --clean and -merge keep every file listed in REGRESSIONS.
#   --no-add: report only, change nothing in corpus/.
# Build: FUZZ_BUILD_DIR (default /tmp/fuzz-libfuzzer), made by tools/fuzz-smoke.sh if needed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,20p' "$0"; exit 2; }
target=$1
shift
add=1
build=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
[ -x "$build/harness/fuzz_$target" ] || FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$build sh "$top/tools/fuzz-smoke.sh"
bin=$build/harness/fuzz_$target
[ -x "$bin" ] || { echo "no target $target" >&2; exit 2; }
work=$(mktemp -d /tmp/fuzz-triage.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

: >"$work/files"
for a in "$@"; do
  case $a in
    --no-add) add=0 ;;
    *) if [ -d "$a" ]; then
         find "$a" -maxdepth 1 -type f ! -name '.*' | sort >>"$work/files"
       elif [ -f "$a" ]; then
         echo "$a" >>"$work/files"
       else
         echo "no such file: $a" >&2; exit 2
       fi ;;
  esac
done

# The signature of a failure log.
signature() {
  log=$1
  m=$(sed -n 's/^corshdr-fuzz: MISMATCH at \([^:]*\):\([0-9]*\):.*/\1:\2/p' "$log" | head -1)
  if [ -n "$m" ]; then echo "mismatch $(basename "${m%:*}"):${m##*:}"; return; fi
  s=$(grep -m1 '^SUMMARY: ' "$log" | sed -e 's/^SUMMARY: //' -e 's#/[^ ]*/##g' -e 's/:[0-9]*:[0-9]*//' || true)
  case $s in
    *leaked*) ;;
    ?*) echo "$s"; return ;;
  esac
  kind=signal
  grep -q 'ERROR: LeakSanitizer' "$log" && kind=leak
  grep -q 'ALARM: working on the last Unit' "$log" && kind=timeout
  grep -q 'out-of-memory' "$log" && kind=oom
  frame=$(grep -E '^ *#[0-9]+ 0x[0-9a-f]+ in [^ ]+ .*(parser/src|harness|tools/corshdr)/' "$log" |
          grep -vE ' in (fuzz_fail|__|LLVMFuzzerTestOneInput |fin_)' | head -1 | sed 's/.* in \([^ ]*\) .*/\1/')
  echo "$kind ${frame:-unknown}"
}

fails() { # input, log: 0 when the input fails the target
  timeout 300 "$bin" -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$work/artifact-" "$1" >"$2" 2>&1 && return 1
  return 0
}

n=0
: >"$work/found"
while IFS= read -r f; do
  n=$((n + 1))
  if ! fails "$f" "$work/log"; then
    echo "does not fail: $f"
    continue
  fi
  sig=$(signature "$work/log")
  best=$f
  case $sig in
    timeout*|oom*) ;;
    *)
      rm -f "$work/min"
      "$bin" -minimize_crash=1 -runs=20000 -timeout=25 -artifact_prefix="$work/artifact-" \
        -exact_artifact_path="$work/min" "$f" \
        >"$work/minlog" 2>&1 || true
      if [ -s "$work/min" ] && fails "$work/min" "$work/log2"; then
        sig2=$(signature "$work/log2")
        cp "$work/min" "$work/min.$n"
        if [ "$sig2" = "$sig" ]; then
          best=$work/min.$n
        else
          # Minimizing drifted to another failure: keep both, each under its own signature.
          echo "minimizing $f drifted from '$sig' to '$sig2': both kept"
          printf '%s\t%s\t%s\n' "$sig2" "$(wc -c <"$work/min.$n")" "$work/min.$n" >>"$work/found"
        fi
      fi ;;
  esac
  size=$(wc -c <"$best")
  printf '%s\t%s\t%s\n' "$sig" "$size" "$best" >>"$work/found"
done <"$work/files"

echo "== triage $target: $n inputs, $(wc -l <"$work/found") fail"
[ -s "$work/found" ] || exit 0
# The smallest input per signature.
sort -t "$(printf '\t')" -k1,1 -k2,2n "$work/found" | awk -F '\t' '!seen[$1]++' >"$work/unique"
mkdir -p "$top/corpus/$target"
touch "$top/corpus/REGRESSIONS"
while IFS="$(printf '\t')" read -r sig size path; do
  h=$(sha1sum "$path" | cut -c1-40)
  echo "  $sig  ($size bytes)  corpus/$target/$h"
  echo "    reproduce: $build/harness/replay_$target $top/corpus/$target/$h"
  if [ "$add" = 1 ]; then
    cp "$path" "$top/corpus/$target/$h"
    grep -q "^$target/$h " "$top/corpus/REGRESSIONS" ||
      printf '%s/%s  %s (%s)\n' "$target" "$h" "$sig" "$(date +%Y-%m-%d)" >>"$top/corpus/REGRESSIONS"
  fi
done <"$work/unique"
[ "$add" = 1 ] && echo "== added to corpus/$target/ and corpus/REGRESSIONS: CTest fuzz.replay.$target replays them"
exit 0
