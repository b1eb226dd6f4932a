"""Instructions nginx executes per request, for each workload of tools/nginx/bench.sh, counted by
valgrind's callgrind: unlike requests/s, the count does not depend on what else the shared machine runs.

    /usr/bin/python3 tools/nginx/bench_instructions.py NGINX.CONF PORT LUA_DIR WORKLOAD=PATH...

bench.sh calls it with its own nginx.conf and the wrk scripts of its workloads (LUA_DIR/WORKLOAD.lua: the
method and the header lines). For each workload, nginx runs under callgrind twice, once answering FEW
requests and once FEW + MANY, on one kept-alive connection; the difference of the two totals over MANY is
the instructions of one request, nginx's start and stop cancelled out. Prints one line a workload.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

FEW, MANY = 200, 1000


def request_bytes(lua, path):
    script = open(lua).read()
    method = re.search(r'wrk.method = "(\w+)"', script).group(1)
    lines = re.findall(r'wrk.headers\["([^"]+)"\] = "([^"]*)"', script)
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    return (head + "".join("%s: %s\r\n" % line for line in lines) + "\r\n").encode("latin-1")


def read_response(sock, buf):
    """One response on a kept-alive connection: its head and Content-Length body (none for 204)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("nginx closed the connection")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = re.search(rb"\r\nContent-Length: (\d+)", head)
    need = int(length.group(1)) if length else 0
    while len(rest) < need:
        rest += sock.recv(65536)
    return head, rest[need:]


def instructions(conf, port, req, n):
    """Total instructions of an nginx run under callgrind that answers n requests."""
    work = tempfile.mkdtemp(prefix="corshdr-callgrind-")
    out = os.path.join(work, "callgrind.out")
    prefix = os.path.dirname(conf)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                             "/usr/sbin/nginx", "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("nginx under callgrind did not start")
                time.sleep(0.2)
        with sock:
            buf = b""
            for _ in range(n):
                sock.sendall(req)
                _, buf = read_response(sock, buf)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if os.path.exists(out):
            os.remove(out)
        os.rmdir(work)
    total = re.search(rb"Collected : (\d+)", err)
    if not total:
        raise AssertionError("no callgrind total: " + err.decode("latin-1")[-500:])
    return int(total.group(1))


def main():
    conf, port, lua_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    print("\n%-11s %22s   (callgrind; nginx under valgrind, %d requests on one connection)"
          % ("workload", "instructions/request", MANY))
    per = {}
    for arg in sys.argv[4:]:
        name, path = arg.split("=", 1)
        req = request_bytes(os.path.join(lua_dir, name + ".lua"), path)
        few = instructions(conf, port, req, FEW)
        more = instructions(conf, port, req, FEW + MANY)
        per[name] = (more - few) / MANY
        print("%-11s %22.0f" % (name, per[name]), flush=True)
    print()
    for a, b in (("module", "add_header"), ("module", "none"), ("add_header", "none"), ("hostile", "padded"),
                 ("hostile", "preflight"), ("longname", "padded4k"), ("padded", "preflight")):
        if a in per and b in per:
            print("%-22s %+6.1f%% (%+.0f instructions)" % (a + " / " + b, 100 * (per[a] / per[b] - 1),
                                                           per[a] - per[b]))


if __name__ == "__main__":
    main()
