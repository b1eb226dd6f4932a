#!/bin/sh
# The main job on a fresh Debian 12 machine: install what the build needs, build and install corshdr
# into ./build/main/prefix, and run the corshdr tool on the bundled samples.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-deps.sh main
build=build/main
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORSHDR_BUILD_TESTS=OFF -DCORSHDR_BUILD_FUZZ=OFF -DCORSHDR_BUILD_BENCH=OFF >/dev/null
cmake --build "$build"
cmake --install "$build" --prefix "$build/prefix" >/dev/null
bin=$build/prefix/bin/corshdr
echo "== preflight: PUT with content-type and x-trace-id from https://app.example"
"$bin" check --origin https://app.example --preflight --method PUT \
  --request-headers "content-type, x-trace-id" tools/samples/preflight-response.http
echo
echo "== actual response to https://app.example: what script may read"
"$bin" check --origin https://app.example tools/samples/response.http
