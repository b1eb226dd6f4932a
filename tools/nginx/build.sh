#!/bin/sh
# Builds ngx_http_corshdr_module.so against Debian's nginx (nginx-dev: /usr/share/nginx/src) with the
# corshdr library of a CMake build tree linked in statically, and checks that Debian's nginx can load it.
#   sh tools/nginx/build.sh BUILD [OUT]
# BUILD is a CMake build tree of this project (it has libcorshdr.a); OUT (default BUILD/nginx-module)
# receives a copy of nginx's source tree, configured once with Debian's flags (the conf_flags file of
# nginx-dev, and the compiler and linker flags `nginx -V` shows) and --add-dynamic-module; later runs
# only rebuild the module (`make modules`). Prints the path of the module on its last line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD [OUT]" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=${2:-$build/nginx-module}
src=/usr/share/nginx/src
nginx=/usr/sbin/nginx
fail() { echo "nginx module: $*" >&2; exit 1; }

[ -f "$build/libcorshdr.a" ] || fail "no $build/libcorshdr.a: build the project first (cmake --build $1)"
[ -x "$src/configure" ] && [ -f "$src/conf_flags" ] || fail "nginx's source is missing (Debian: apt-get install nginx-dev)"
[ -x "$nginx" ] || fail "nginx is missing (Debian: apt-get install nginx-light)"

# Binary compatibility: the same nginx version, and both built --with-compat, so that the module's
# signature is the binary's whatever else either was configured with.
want=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$src/src/core/nginx.h")
have=$("$nginx" -v 2>&1 | sed -n 's|^nginx version: nginx/||p')
[ "$want" = "$have" ] || fail "nginx-dev is nginx $want but $nginx is nginx $have: install the same version"
"$nginx" -V 2>&1 | grep -q -- '--with-compat' || fail "$nginx was not built --with-compat"
grep -q -- '--with-compat' "$src/conf_flags" || fail "$src/conf_flags lacks --with-compat"

mkdir -p "$out/corshdr"
out=$(cd "$out" && pwd)
# The library as the module's config script finds it (stable paths, so that a rebuild reconfigures nothing).
cp "$build/libcorshdr.a" "$out/corshdr/libcorshdr.a"
cp "$here/../../parser/include/corshdr.h" "$out/corshdr/corshdr.h"

# Debian's configure flags: conf_flags is a bash array, NGX_CONF_FLAGS=( --a --b ... ), of plain words.
flags=$(sed -n 's/^NGX_CONF_FLAGS=( *\(.*\) *)$/\1/p' "$src/conf_flags")
[ -n "$flags" ] || fail "cannot read $src/conf_flags"
# The compiler and linker flags of Debian's build, as nginx -V quotes them.
eval "set -- $("$nginx" -V 2>&1 | sed -n 's/^configure arguments: //p')"
cc_opt="-g -O2 -fPIC" ld_opt="-fPIC"
for a in "$@"; do
  case $a in
    --with-cc-opt=*) cc_opt=${a#--with-cc-opt=} ;;
    --with-ld-opt=*) ld_opt=${a#--with-ld-opt=} ;;
  esac
done
stamp="$flags | $cc_opt | $ld_opt | $here | $(cksum < "$here/config")"

cd "$out"
if [ ! -f nginx-src/objs/Makefile ] || [ "$(cat configure.stamp 2>/dev/null)" != "$stamp" ]; then
  rm -rf nginx-src configure.stamp
  cp -R "$src" nginx-src
  echo "nginx module: configuring nginx $want (log: $out/configure.log)" >&2
  # shellcheck disable=SC2086 # the flags are words
  (cd nginx-src && CORSHDR_INCLUDE="$out/corshdr" CORSHDR_LIB="$out/corshdr/libcorshdr.a" \
     ./configure $flags --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" --add-dynamic-module="$here") \
     > configure.log 2>&1 || { tail -20 configure.log >&2; fail "configure failed (log: $out/configure.log)"; }
  echo "$stamp" > configure.stamp
fi
# Relink every time: make does not know that libcorshdr.a changed.
rm -f nginx-src/objs/ngx_http_corshdr_module.so
make -C nginx-src -f objs/Makefile -j "$(nproc 2>/dev/null || echo 2)" modules > make.log 2>&1 \
  || { tail -30 make.log >&2; fail "make modules failed (log: $out/make.log)"; }
cp nginx-src/objs/ngx_http_corshdr_module.so "$out/ngx_http_corshdr_module.so"

# The signature nginx checks at load_module, read from both (a mismatch is "not binary compatible").
sig() { LC_ALL=C grep -a -o -E '[0-9]+,[0-9]+,[0-9]+,[01]{30,}' "$1" | head -1; }
[ "$(sig "$out/ngx_http_corshdr_module.so")" = "$(sig "$nginx")" ] \
  || fail "the module's signature $(sig "$out/ngx_http_corshdr_module.so") is not nginx's $(sig "$nginx")"
echo "$out/ngx_http_corshdr_module.so"
