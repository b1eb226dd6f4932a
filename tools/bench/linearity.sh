#!/bin/sh
# Linearity as an operation count: instructions (callgrind, deterministic whatever the machine is doing)
# of one corshdr run on each hostile input at 1x and at 10x its size. Linear work gives a ratio near 10;
# wall-clock ratios above that on big inputs come from caches and TLB, not from the algorithm.
# The sorted-set dedupe is O(n log n) by design (heapsort: no hash to attack), so it grows faster.
# Usage: tools/bench/linearity.sh BUILD/tools/bench/corshdr-bench
set -eu
bench=${1:?usage: linearity.sh PATH/TO/corshdr-bench}
command -v valgrind >/dev/null || { echo "linearity.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
instr() { # bench arguments -> instructions of the whole run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" "$@" 2>&1 | awk '/refs:/ { gsub(",", "", $4); print $4 }'
}
count() { # workload scale -> instructions of corshdr alone: the run minus start-up and input building
  echo $(( $(instr --only "$1" --once "$2") - $(instr --only "$1" --once "$2" --build-only) ))
}
printf '%-22s %14s %14s %8s\n' workload "instr 1x" "instr 10x" ratio
for w in list-1mib hostile-commas hostile-spaces hostile-one-token hostile-equal-names hostile-empty-lines \
         token-1mib hostile-equal-dedupe; do
  one=$(count "$w" 1) ten=$(count "$w" 10)
  awk -v w="$w" -v a="$one" -v b="$ten" 'BEGIN { printf "%-22s %14.0f %14.0f %7.2fx\n", w, a, b, b / a }'
done
