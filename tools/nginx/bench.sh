#!/bin/sh
# Throughput of Debian's nginx with the corshdr module, measured with wrk on loopback (not part of the test
# command: it takes minutes). One nginx (one process, no master, pinned to the last CPU with taskset when
# there are two or more) serves a 13-byte static file five ways:
#   module     the module's policy, a CORS GET with an allowed Origin (credentials, an exposed header)
#   add_header static add_header lines giving the same four CORS lines (no check at all: the floor)
#   none       no CORS
#   preflight  the module answering an ordinary preflight (PUT, Access-Control-Request-Headers: content-type)
#   hostile    the module answering a hostile one: Access-Control-Request-Headers of 1024 commas then
#              content-type (within the default limits, so answered 204 like the ordinary one)
#   longname   another hostile one: a 4096-byte header name (refused, 403)
#   padded     the ordinary preflight with an X-Padding line as long as hostile's list (1036 bytes), and
#   padded4k   with one of 4096 bytes: nginx reads and parses every byte of a request, so these, not the
#              ordinary preflight, are what a hostile one of the same size costs without hostile content
# wrk (pinned to the first CPU) runs each for DURATION seconds with 1 thread and CONNECTIONS connections.
# The machine is shared and its load changes by the minute, so the workloads take short turns, ROUNDS
# times, in an order reversed every other round, and each comparison is the median over the rounds of
# the ratio of two neighbouring runs, in requests/s and in nginx's CPU time per request (from
# /proc/PID/schedstat: time on a CPU, which other load disturbs less than wall-clock throughput).
# The table gives each workload's median too, with the range of its requests/s.
#   sh tools/nginx/bench.sh BUILD [ROUNDS [DURATION [CONNECTIONS]]]     (defaults 15, 3, 4)
# Then the same workloads in instructions nginx executes per request, counted by callgrind
# (bench_instructions.py): a figure the machine's load does not move, for the module's own cost.
# BUILD is a CMake build tree of this project; needs wrk (Debian: apt-get install wrk), valgrind and what
# tools/nginx/build.sh needs. Prints two tables; raw wrk output goes to $BUILD/nginx-bench/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD [ROUNDS [DURATION [CONNECTIONS]]]" >&2; exit 2; }
build=$(cd "$1" && pwd)
rounds=${2:-15} duration=${3:-3} conns=${4:-4}
command -v wrk >/dev/null || { echo "bench: wrk is missing (Debian: apt-get install wrk)" >&2; exit 1; }
module=$(sh "$here/build.sh" "$build" | tail -1)

out=$build/nginx-bench
rm -rf "$out"
mkdir -p "$out/www" "$out/lua"
printf '{"ok": true}\n' > "$out/www/data.json"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat > "$out/nginx.conf" <<EOF
load_module $module;
daemon off;
master_process off;
worker_processes 1;
pid $out/nginx.pid;
error_log $out/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $out/body;
    proxy_temp_path $out/proxy;
    fastcgi_temp_path $out/fastcgi;
    uwsgi_temp_path $out/uwsgi;
    scgi_temp_path $out/scgi;
    default_type application/json;
    server {
        listen 127.0.0.1:$port;
        location /module/ {
            alias $out/www/;
            corshdr_allow_origin https://app.example.com https://admin.example.com;
            corshdr_allow_credentials on;
            corshdr_allow_methods PUT DELETE;
            corshdr_allow_headers Content-Type X-Trace-Id;
            corshdr_expose_headers X-Request-Id;
            corshdr_max_age 600;
        }
        location /add_header/ {
            alias $out/www/;
            add_header Access-Control-Allow-Origin https://app.example.com;
            add_header Access-Control-Allow-Credentials true;
            add_header Access-Control-Expose-Headers X-Request-Id;
            add_header Vary Origin;
        }
        location /none/ {
            alias $out/www/;
        }
    }
}
EOF

commas=$(printf '%01024d' 0 | tr 0 ,)
longname=$(printf '%04096d' 0 | tr 0 x)
lua() { # name, method, header lines as Lua assignments
  name=$1 method=$2; shift 2
  { echo "wrk.method = \"$method\""
    echo 'wrk.headers["Origin"] = "https://app.example.com"'
    for h in "$@"; do echo "$h"; done; } > "$out/lua/$name.lua"
}
lua module GET
lua add_header GET
lua none GET
lua preflight OPTIONS 'wrk.headers["Access-Control-Request-Method"] = "PUT"' \
  'wrk.headers["Access-Control-Request-Headers"] = "content-type"'
lua hostile OPTIONS 'wrk.headers["Access-Control-Request-Method"] = "PUT"' \
  "wrk.headers[\"Access-Control-Request-Headers\"] = \"${commas}content-type\""
lua longname OPTIONS 'wrk.headers["Access-Control-Request-Method"] = "PUT"' \
  "wrk.headers[\"Access-Control-Request-Headers\"] = \"$longname\""
lua padded OPTIONS 'wrk.headers["Access-Control-Request-Method"] = "PUT"' \
  'wrk.headers["Access-Control-Request-Headers"] = "content-type"' \
  "wrk.headers[\"X-Padding\"] = \"$(printf '%01036d' 0 | tr 0 p)\""
lua padded4k OPTIONS 'wrk.headers["Access-Control-Request-Method"] = "PUT"' \
  'wrk.headers["Access-Control-Request-Headers"] = "content-type"' \
  "wrk.headers[\"X-Padding\"] = \"$(printf '%04096d' 0 | tr 0 p)\""
workloads="module add_header none preflight hostile padded longname padded4k"
path_of() { case $1 in add_header) echo /add_header/data.json ;; none) echo /none/data.json ;; *) echo /module/data.json ;; esac; }

cpus=$(nproc 2>/dev/null || echo 1)
pin_nginx="" pin_wrk=""
if [ "$cpus" -ge 2 ] && command -v taskset >/dev/null; then
  pin_nginx="taskset -c $((cpus - 1))" pin_wrk="taskset -c 0"
fi
# shellcheck disable=SC2086 # the pinning command is words
$pin_nginx /usr/sbin/nginx -p "$out" -e "$out/error.log" -c "$out/nginx.conf" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
  /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done

# What each workload gets back, once (the CORS lines and the status), so that the table compares like
# with like: module and add_header must give the same lines.
echo "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||'), module $module"
echo "machine: $cpus CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nginx pinned: ${pin_nginx:-no}; wrk pinned: ${pin_wrk:-no}; wrk -t1 -c$conns -d${duration}s; $rounds rounds"
for w in $workloads; do
  /usr/bin/python3 - "$port" "$(path_of $w)" "$out/lua/$w.lua" "$w" <<'EOF'
import re, socket, sys
port, path, script, name = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read(), sys.argv[4]
method = re.search(r'wrk.method = "(\w+)"', script).group(1)
lines = re.findall(r'wrk.headers\["([^"]+)"\] = "([^"]*)"', script)
req = "%s %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (
    method, path, "".join("%s: %s\r\n" % l for l in lines))
s = socket.create_connection(("127.0.0.1", port))
s.sendall(req.encode())
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
cors = [l for l in head[1:] if l.lower().startswith(("access-control-", "vary"))]
print("  %-10s %s | %s" % (name, head[0].split(" ", 1)[1], "; ".join(cors) or "(no CORS line)"))
EOF
done

oncpu() { cut -d' ' -f1 "/proc/$nginx_pid/schedstat"; }
reversed=$(echo "$workloads" | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq "$rounds"); do
  order=$workloads
  [ $((r % 2)) -eq 0 ] && order=$reversed
  for w in $order; do
    before=$(oncpu)
    # shellcheck disable=SC2086
    $pin_wrk wrk -t1 -c"$conns" -d"${duration}s" -s "$out/lua/$w.lua" "http://127.0.0.1:$port$(path_of $w)" \
      > "$out/$w.$r.txt"
    after=$(oncpu)
    reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/$w.$r.txt")
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/$w.$r.txt")
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out/$w.$r.txt")
    echo "$r $w $rps $reqs $((after - before)) ${non2xx:-0}" >> "$out/results.txt"
  done
  echo "round $r/$rounds done" >&2
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill $nginx_pid
wait $nginx_pid 2>/dev/null || true
trap - EXIT INT TERM

# Per workload: median requests/s (and range), median nginx CPU per request. Per comparison: the median
# over rounds of the ratio within a round.
awk -v names="$workloads" '
function median(a, n,    i, j, t) {
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ rps[$2, $1] = $3; cpu[$2, $1] = $5 / $4; non2xx[$2] += $6; if ($1 > rounds) rounds = $1 }
END {
  nw = split(names, order, " ")
  printf "\n%-11s %12s %10s %10s %14s %10s\n", "workload", "requests/s", "min", "max", "nginx CPU/req", "non-2xx"
  for (k = 1; k <= nw; k++) {
    w = order[k]; lo = hi = rps[w, 1]
    for (i = 1; i <= rounds; i++) { r[i] = rps[w, i]; c[i] = cpu[w, i]; if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i] }
    printf "%-11s %12.0f %10.0f %10.0f %11.2f us %10d\n", w, median(r, rounds), lo, hi, median(c, rounds) / 1000, non2xx[w]
  }
  printf "\n%-22s %22s %26s\n", "median ratio of", "requests/s (range)", "nginx CPU/request (range)"
  cmp("module", "add_header"); cmp("module", "none"); cmp("add_header", "none")
  cmp("hostile", "padded"); cmp("hostile", "preflight"); cmp("longname", "padded4k"); cmp("padded", "preflight")
}
function cmp(a, b,    i, x, y, xl, xh, yl, yh) {
  for (i = 1; i <= rounds; i++) {
    x[i] = rps[a, i] / rps[b, i]; y[i] = cpu[a, i] / cpu[b, i]
    if (i == 1 || x[i] < xl) xl = x[i]; if (i == 1 || x[i] > xh) xh = x[i]
    if (i == 1 || y[i] < yl) yl = y[i]; if (i == 1 || y[i] > yh) yh = y[i]
  }
  printf "%-22s %+6.1f%% (%+.0f..%+.0f) %+10.1f%% (%+.0f..%+.0f)\n", a " / " b, 100 * (median(x, rounds) - 1),
    100 * (xl - 1), 100 * (xh - 1), 100 * (median(y, rounds) - 1), 100 * (yl - 1), 100 * (yh - 1)
}' "$out/results.txt"

# The same workloads in instructions per request (callgrind): what the module adds, whatever the load.
if command -v valgrind >/dev/null; then
  set --
  for w in $workloads; do set -- "$@" "$w=$(path_of $w)"; done
  /usr/bin/python3 "$here/bench_instructions.py" "$out/nginx.conf" "$port" "$out/lua" "$@"
else
  echo "bench: valgrind is missing (Debian: apt-get install valgrind): no instruction counts" >&2
fi
