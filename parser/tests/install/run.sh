#!/bin/sh
# Installs the build into a fresh prefix and builds the example three ways: with pkg-config, with
# find_package(corshdr), and from the amalgamation alone. Usage: run.sh SOURCE_DIR BUILD_DIR WORK_DIR CC
set -eu
src=$1 build=$2 work=$3 cc=$4
here=$src/parser/tests/install
want='content-type,x-trace-id'
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/corshdr.h lib/libcorshdr.a lib/libcorshdr.so lib/pkgconfig/corshdr.pc \
         lib/cmake/corshdr/corshdrConfig.cmake lib/cmake/corshdr/corshdrConfigVersion.cmake bin/corshdr; do
  [ -e "$prefix/$f" ] || { echo "install layout: missing $f" >&2; exit 1; }
done
ls "$prefix"/lib/libcorshdr.so.* >/dev/null

check() { # name, command...
  name=$1; shift
  got=$("$@")
  [ "$got" = "$want" ] || { echo "$name: got '$got', want '$want'" >&2; exit 1; }
  echo "$name: ok"
}

# 1. pkg-config
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs corshdr)
$cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$here/example.c" $flags -o "$work/example_pc"
check pkg-config env LD_LIBRARY_PATH="$prefix/lib" "$work/example_pc"

# 2. find_package
cmake -S "$here" -B "$work/consumer" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
check find_package-shared env LD_LIBRARY_PATH="$prefix/lib" "$work/consumer/example_shared"
check find_package-static "$work/consumer/example_static"

# 3. the amalgamation, nothing else
mkdir -p "$work/amalg"
cp "$build/amalgamation/corshdr.c" "$build/amalgamation/corshdr.h" "$here/example.c" "$work/amalg/"
(cd "$work/amalg" && $cc -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror -I. example.c corshdr.c -o example)
check amalgamation "$work/amalg/example"

# The example refuses a bad list with a reason.
if env LD_LIBRARY_PATH="$prefix/lib" "$work/example_pc" "x-a, b@d" 2>"$work/err"; then
  echo "example accepted a bad list" >&2; exit 1
fi
grep -q "ETOKEN" "$work/err"

# The server-side example: the answer to a preflight through a subdomain pattern, and every problem of
# a bad configuration, through pkg-config and through the amalgamation.
$cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$here/policy_example.c" $flags -o "$work/policy_pc"
cp "$here/policy_example.c" "$work/amalg/"
(cd "$work/amalg" && $cc -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror -I. policy_example.c corshdr.c -o policy)
printf '%s\n' 'OK, status 204' 'Access-Control-Allow-Origin: https://eu.tenant.example.com' \
  'Access-Control-Allow-Credentials: true' 'Access-Control-Allow-Methods: PUT, DELETE' \
  'Access-Control-Allow-Headers: content-type, x-trace-id' 'Access-Control-Max-Age: 600' \
  'Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers' >"$work/policy.want"
for bin in "$work/policy_pc" "$work/amalg/policy"; do
  env LD_LIBRARY_PATH="$prefix/lib" "$bin" >"$work/policy.got"
  cmp -s "$work/policy.got" "$work/policy.want" || { echo "policy example: unexpected answer" >&2; cat "$work/policy.got" >&2; exit 1; }
  if env LD_LIBRARY_PATH="$prefix/lib" "$bin" bad 2>"$work/policy.err"; then
    echo "policy example accepted a bad configuration" >&2; exit 1
  fi
  grep -q "^origin 0: ECANONICAL: " "$work/policy.err" && grep -q "^origin 1: ENULL: " "$work/policy.err" ||
    { echo "policy example: problems not reported" >&2; cat "$work/policy.err" >&2; exit 1; }
done
echo "policy example: ok"

# The README quotes both examples verbatim, so the examples there compile too.
for ex in example.c policy_example.c; do
  sed -n "/^<!-- begin $ex/,/^<!-- end $ex/p" "$src/README.md" | sed '1,2d;$d' | sed '$d' >"$work/readme-$ex"
  cmp -s "$work/readme-$ex" "$here/$ex" || { echo "README.md's $ex differs from parser/tests/install/$ex" >&2; exit 1; }
done

echo "install tests passed"
