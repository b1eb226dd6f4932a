#!/bin/sh
# The server-side policy beside rs/cors (Debian's golang-github-rs-cors-dev, a whole Go net/http
# handler on the same configuration and requests: tools/bench/go/rscors_test.go), in one run, on one
# core. corshdr's figures are thread CPU time and wall clock; Go's testing reports wall clock only, so
# run it on a quiet machine. jub0bs/cors is not packaged in Debian: its published figure is quoted in
# README.md, not measured here.
# Usage: tools/bench/peers.sh BUILD/tools/bench/corshdr-bench     (needs golang-go, golang-github-rs-cors-dev)
set -eu
bench=${1:?usage: peers.sh PATH/TO/corshdr-bench}
here=$(cd "$(dirname "$0")" && pwd)
command -v go >/dev/null || { echo "peers.sh: go is needed (apt-get install golang-go golang-github-rs-cors-dev)" >&2; exit 1; }
[ -d /usr/share/gocode/src/github.com/rs/cors ] ||
  { echo "peers.sh: rs/cors is needed (apt-get install golang-github-rs-cors-dev)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/rscorsbench"
cp "$here/go/rscors_test.go" "$work/src/rscorsbench/"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
go_out=$(cd "$work/src/rscorsbench" && GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
         GOFLAGS= $pin go test -run '^$' -bench . -benchtime 2s -count 5 -cpu 1 2>&1) ||
  { echo "$go_out" >&2; exit 1; }
c_out=$($pin "$bench" --json --only policy-preflight; $pin "$bench" --json --only policy-acrh-commas;
        $pin "$bench" --json --only policy-actual)
/usr/bin/python3 - "$go_out" "$c_out" <<'PY'
import json, re, statistics, sys
go, c = sys.argv[1], sys.argv[2]
names = {"PolicyPreflight": "policy-preflight", "PolicyAcrhCommas": "policy-acrh-commas", "PolicyActual": "policy-actual"}
rs = {}
for line in go.splitlines():
    m = re.match(r"Benchmark(\w+)\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        rs.setdefault(names[m.group(1)], []).append(float(m.group(2)))
ours = {}
decoder, text = json.JSONDecoder(), c.strip()
while text:
    obj, end = decoder.raw_decode(text)
    text = text[end:].strip()
    for row in obj["results"]:
        ours[row["workload"]] = row
print("%-20s %14s %14s %16s %10s" % ("workload", "corshdr cpu ns", "corshdr wall", "rs/cors wall ns", "x rs/cors"))
for w in names.values():
    r = statistics.median(rs[w])
    o = ours[w]
    print("%-20s %14.1f %14.1f %16.1f %9.1fx" % (w, o["cpu_ns_per_op"], o["wall_ns_per_op"], r, r / o["wall_ns_per_op"]))
PY
