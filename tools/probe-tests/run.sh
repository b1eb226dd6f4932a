#!/bin/sh
# The server tests of `corshdr probe`: express with cors, nginx, Apache httpd, Flask with flask-cors and Go
# with rs/cors on loopback, misbehaving stdlib servers, and a 200-target run.
#   sh tools/probe-tests/run.sh PATH/TO/corshdr [unittest options]
# Every server is required: a missing one fails the run (tools/setup-deps.sh test installs them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 PATH/TO/corshdr [unittest options]" >&2; exit 2; }
bin=$1; shift
[ -x "$bin" ] || { echo "probe-tests: '$bin' is not an executable corshdr" >&2; exit 2; }
missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
for m in express cors; do
  [ -f "/usr/share/nodejs/$m/package.json" ] || missing="$missing node-$m"
done
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_headers.so ] || missing="$missing apache2-bin"
/usr/bin/python3 -c 'import flask_cors' 2>/dev/null || missing="$missing python3-flask-cors"
command -v go >/dev/null 2>&1 || [ -x /usr/bin/go ] || missing="$missing golang-go"
[ -f /usr/share/gocode/src/github.com/rs/cors/cors.go ] || missing="$missing golang-github-rs-cors-dev"
if [ -n "$missing" ]; then
  echo "probe-tests: FAILED: missing$missing (Debian: apt-get install$missing)" >&2
  exit 1
fi
exec /usr/bin/python3 "$here/test_probe.py" "$bin" "$@"
