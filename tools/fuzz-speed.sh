#!/bin/sh
# Execs per second of every fuzz target under libFuzzer and AFL++, measured one run at a time, each pinned
# to one core for the same time from corpus/<target>/, with CPU time beside wall-clock time (the machine
# may be shared; the load average before each run is printed). tools/fuzz/speed.py does the runs.
#
# Usage: tools/fuzz-speed.sh [-t SECONDS] [--cpu N] [--engines libfuzzer,afl,afl-cmplog] [--lto]
#                            [--json FILE] [TARGET...]
#   default: 60 seconds, the last CPU, engines libfuzzer and afl, every target
# Builds: FUZZ_BUILD_DIR (libFuzzer, default /tmp/fuzz-libfuzzer, made by tools/fuzz-smoke.sh),
#   FUZZ_AFL_BUILD_DIR (default /tmp/fuzz-afl, or /tmp/fuzz-afl-lto with --lto) and its -cmplog twin.
# Work folder: FUZZ_SPEED_DIR (default /tmp/fuzz-speed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/fuzz/lib.sh"
engines=libfuzzer,afl
lto=0
args=""
while [ $# -gt 0 ]; do
  case $1 in
    --engines) engines=$2; args="$args --engines $2"; shift 2 ;;
    --lto) lto=1; shift ;;
    -t|--cpu|--json) args="$args $1 $2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
lf=${FUZZ_BUILD_DIR:-/tmp/fuzz-libfuzzer}
if [ "$lto" = 1 ]; then afl=${FUZZ_AFL_BUILD_DIR:-/tmp/fuzz-afl-lto}; else afl=${FUZZ_AFL_BUILD_DIR:-/tmp/fuzz-afl}; fi
case ",$engines," in
  *,libfuzzer,*)
    fuzz_lock "$lf"; FUZZ_BUILD_ONLY=1 FUZZ_BUILD_DIR=$lf sh "$top/tools/fuzz-smoke.sh" >/dev/null; fuzz_unlock ;;
esac
case ",$engines," in
  *,afl*)
    fuzz_lock "$afl"; FUZZ_AFL_LTO=$lto fuzz_build_afl "$afl" "$@"; fuzz_unlock ;;
esac
case ",$engines," in
  *,afl-cmplog,*)
    fuzz_lock "$afl-cmplog"; FUZZ_AFL_LTO=$lto FUZZ_AFL_CMPLOG=1 fuzz_build_afl "$afl-cmplog" "$@"; fuzz_unlock
    args="$args --afl-cmplog $afl-cmplog" ;;
esac
# shellcheck disable=SC2086
exec /usr/bin/python3 "$top/tools/fuzz/speed.py" --libfuzzer "$lf" --afl "$afl" --work "${FUZZ_SPEED_DIR:-/tmp/fuzz-speed}" \
  $args "$@"
