#!/bin/sh
# Installs the Debian 12 packages a job needs. Usage: tools/setup-deps.sh main|test
# `main` is enough to build the library and the corshdr tool; `test` adds everything the full test
# command uses (both compilers, sanitizers, fuzzers, Python test tools, real servers for the probe,
# headless browsers and npm for the conformance suite's browser run and third-party adapters, nginx-dev
# for the nginx module).
set -eu
main_pkgs="gcc libc6-dev cmake ninja-build pkg-config make libjansson-dev libcurl4-openssl-dev libpsl-dev publicsuffix
           ca-certificates"
test_pkgs="$main_pkgs curl clang libclang-rt-14-dev llvm libcmocka-dev libnghttp2-dev libh2o-dev libuv1-dev libsoup-3.0-dev afl++ lld
           python3 python3-pytest python3-hypothesis python3-jsonschema nginx-light nginx-dev nodejs node-express node-cors git valgrind
           chromium firefox-esr npm apache2-bin python3-flask-cors golang-go golang-github-rs-cors-dev time"
case "${1:-}" in
  main) pkgs=$main_pkgs ;;
  test) pkgs=$test_pkgs ;;
  *) echo "usage: $0 main|test" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  # Node may come from elsewhere (e.g. nodesource): a working node on PATH is enough.
  case $p in nodejs) command -v node >/dev/null && continue ;; esac
  # npm likewise (nodesource's nodejs bundles its own and conflicts with Debian's npm package).
  case $p in npm) command -v npm >/dev/null && continue ;; esac
  missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "corshdr: these packages are missing and installing them needs root:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
