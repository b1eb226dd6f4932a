#!/bin/sh
# Proof that the fuzz targets can fail: plants a one-byte bug in a copy of parser/src (never in the
# shipped sources), builds the targets against the copy (CORSHDR_FUZZ_PARSER_SRC), runs the smoke fuzz and
# asserts that a target reports a result mismatch ("corshdr-fuzz: MISMATCH"). Exits 0 when the bug is
# caught, 1 when it is not.
#
# Usage: tools/fuzz-planted-bug.sh [--bug lex|list] [-t SECONDS] [TARGET...]
#   lex  (default) lex.c: the tchar class of '[' (0x5B) set, one byte of the table: 0x00 -> 0x01
#   list           list.c: "get" counts 1 byte for each ", " separator instead of 2 (an off-by-one size)
# Environment: FUZZ_PLANTED_DIR (default /tmp/fuzz-planted), FUZZ_EMPTY_CORPUS=1 to start without seeds.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bug=lex
secs=3
while [ $# -gt 0 ]; do
  case $1 in
    --bug) bug=$2; shift 2 ;;
    -t) secs=$2; shift 2 ;;
    *) break ;;
  esac
done
work=${FUZZ_PLANTED_DIR:-/tmp/fuzz-planted}-$bug
rm -rf "$work"
mkdir -p "$work"
cp -R "$top/parser/src" "$work/src"

case $bug in
  lex)  file=lex.c
        from='    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01,'
        to='    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x01, 0x01,' ;;
  list) file=list.c
        from='        need += v.len + (lines ? 2 : 0);'
        to='        need += v.len + (lines ? 1 : 0);' ;;
  *) echo "--bug must be lex or list" >&2; exit 2 ;;
esac
/usr/bin/python3 - "$work/src/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
data = open(path, "rb").read()
if data.count(old) != 1:
    sys.exit("planted-bug: the line to change is not in %s exactly once: the source moved, update this script" % path)
open(path, "wb").write(data.replace(old, new))
PY
diffs=$(cmp -l "$top/parser/src/$file" "$work/src/$file" | wc -l)
[ "$diffs" -eq 1 ] || { echo "planted-bug: $diffs bytes differ, expected exactly 1" >&2; exit 2; }
echo "== planted bug '$bug': one byte of $file changed:"
cmp -l "$top/parser/src/$file" "$work/src/$file" |
  awk '{ printf "   byte %d: octal %s -> %s\n", $1, $2, $3 }'

rc=0
FUZZ_PARSER_SRC=$work/src FUZZ_BUILD_DIR=$work/build FUZZ_SMOKE_SECONDS=$secs \
  sh "$top/tools/fuzz-smoke.sh" "$@" >"$work/smoke.log" 2>&1 || rc=$?
sed -n '/^== fuzz smoke: [0-9]* targets/,$p' "$work/smoke.log" | grep -vE '^ *$' | head -60
if [ "$rc" -ne 0 ] && grep -q "corshdr-fuzz: MISMATCH" "$work"/build/smoke/*/log; then
  echo "== planted bug '$bug' caught: these targets report a mismatch:"
  for log in "$work"/build/smoke/*/log; do
    m=$(grep -m1 "corshdr-fuzz: MISMATCH" "$log" || true)
    [ -n "$m" ] && echo "   $(basename "$(dirname "$log")"): ${m#corshdr-fuzz: }" | cut -c1-220
  done
  exit 0
fi
echo "== planted bug '$bug' NOT caught by the smoke run (log: $work/smoke.log)"
exit 1
