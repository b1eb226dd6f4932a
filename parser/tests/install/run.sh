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

# The README quotes example.c verbatim, so the example there compiles too.
sed -n '/^<!-- begin example.c/,/^<!-- end example.c/p' "$src/README.md" | sed '1,2d;$d' | sed '$d' >"$work/readme-example.c"
cmp -s "$work/readme-example.c" "$here/example.c" || { echo "README.md example differs from example.c" >&2; exit 1; }
echo "install tests passed"
