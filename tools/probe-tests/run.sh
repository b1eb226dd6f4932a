#!/bin/sh
# The server tests of `corshdr probe`: express (npm cors) and nginx on loopback, plus misbehaving stdlib
# servers. Installs the express server's npm dependencies when they are missing, then runs test_probe.py.
#   sh tools/probe-tests/run.sh PATH/TO/corshdr [unittest options]
# node, npm and nginx are required: a missing one fails the run (tools/setup-deps.sh test installs them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 PATH/TO/corshdr [unittest options]" >&2; exit 2; }
bin=$1; shift
[ -x "$bin" ] || { echo "probe-tests: '$bin' is not an executable corshdr" >&2; exit 2; }
missing=""
command -v node >/dev/null 2>&1 || missing="$missing node"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
if [ -n "$missing" ]; then
  echo "probe-tests: FAILED: missing$missing (Debian: apt-get install nodejs npm nginx-light)" >&2
  exit 1
fi
express=$here/servers/express
# npm ci again only when the lock file changed since the last install.
if [ ! -f "$express/node_modules/.package-lock.json" ] ||
   ! cmp -s "$express/package-lock.json" "$express/node_modules/.corshdr-installed-lock"; then
  (cd "$express" && npm ci --no-audit --no-fund --loglevel=error) >&2
  cp "$express/package-lock.json" "$express/node_modules/.corshdr-installed-lock"
fi
exec /usr/bin/python3 "$here/test_probe.py" "$bin" "$@"
