"""Tests of `corshdr probe` against real servers on loopback: express with the `cors` middleware in
three configurations, nginx with the commonly copied CORS snippet and with a correct configuration, and
small stdlib servers that misbehave on purpose (malformed heads, huge heads and bodies, redirects,
silence, header injection) for the transport's safety rules.

    /usr/bin/python3 tools/probe-tests/test_probe.py PATH/TO/corshdr

Run it through tools/probe-tests/run.sh. Standard library only. node with express and cors (Debian's
node-express and node-cors, in /usr/share/nodejs) and nginx are required: a missing one fails the
run, it is never skipped. Every server is started on an ephemeral 127.0.0.1 port and stopped afterwards,
also when a test fails.
"""

import json
import os
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CORSHDR = None  # set from argv in __main__

HERE = os.path.dirname(os.path.abspath(__file__))
EXPRESS_DIR = os.path.join(HERE, "servers", "express")
NGINX_DIR = os.path.join(HERE, "servers", "nginx")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NODE = shutil.which("node")

SITE = "https://app.example.com"
# How the servers are probed: the site's own origin, a PUT with a JSON body, cookies included.
SITE_ARGS = ["--origin", SITE, "--method", "PUT", "--request-headers", "content-type", "--credentials", "include"]


def probe(url, *args, env=None, timeout=60):
    """Runs corshdr probe; returns (exit status, stdout, stderr, seconds)."""
    start = time.monotonic()
    done = subprocess.run([CORSHDR, "probe", *args, url], capture_output=True, timeout=timeout, env=env)
    return (done.returncode, done.stdout.decode("ascii"), done.stderr.decode("utf-8", "replace"),
            time.monotonic() - start)


def probe_json(test, url, *args, status=None):
    code, out, err, seconds = probe(url, "--json", *args)
    test.assertEqual(err, "", "no error line when a report is written")
    report = json.loads(out)
    if status is not None:
        test.assertEqual(code, status, [f["id"] for f in report["findings"]])
    test.assertEqual(report["failed"], code == 3)
    return report


def ids(report):
    return {f["id"] for f in report["findings"]}


def finding(report, fid):
    for f in report["findings"]:
        if f["id"] == fid:
            return f
    raise AssertionError("no finding %s in %s" % (fid, sorted(ids(report))))


def lines(f):
    return [l["text"] for l in f["response_lines"]]


def free_port():
    """An ephemeral loopback port, found by binding to it (nginx must be told a port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the server exited with status %d before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nothing listens on port %d after %d s" % (port, seconds))


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def node_env():
    """Debian installs node modules in /usr/share/nodejs; a node from elsewhere does not look there."""
    env = dict(os.environ)
    env["NODE_PATH"] = os.pathsep.join(p for p in ("/usr/share/nodejs", env.get("NODE_PATH")) if p)
    return env


def start_express(test, config):
    """node servers/express/server.js CONFIG; returns its base URL. Stopped by the test's cleanup."""
    if not NODE:
        raise AssertionError("node is required (Debian: apt-get install nodejs node-express node-cors)")
    proc = subprocess.Popen([NODE, "server.js", config], cwd=EXPRESS_DIR, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=node_env())
    test.addCleanup(stop, proc)
    test.addCleanup(proc.stdout.close)
    test.addCleanup(proc.stdin.close)
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    if not ready:
        raise AssertionError("the express server did not start within 15 s")
    line = proc.stdout.readline()
    if not line:
        raise AssertionError("the express server exited with status %s" % proc.wait(5))
    port = json.loads(line)["port"]
    return "http://127.0.0.1:%d/api/data" % port


def start_nginx(test, config):
    """nginx -c servers/nginx/CONFIG.conf.in, filled in, in a temporary prefix; returns its base URL."""
    if not os.access(NGINX, os.X_OK):
        raise AssertionError("nginx is required (Debian: apt-get install nginx-light)")
    prefix = tempfile.mkdtemp(prefix="corshdr-nginx-")
    test.addCleanup(shutil.rmtree, prefix, True)
    port = free_port()
    # Every temp path under the prefix, for the modules this nginx has (an unknown directive is fatal).
    built = subprocess.run([NGINX, "-V"], capture_output=True, text=True).stderr
    temp = ["client_body_temp_path %s/body;" % prefix]
    for module in ("proxy", "fastcgi", "uwsgi", "scgi"):
        if "--without-http_%s_module" % module not in built:
            temp.append("%s_temp_path %s/%s;" % (module, prefix, module))
    with open(os.path.join(NGINX_DIR, config + ".conf.in")) as f:
        conf = f.read()
    conf = conf.replace("@PREFIX@", prefix).replace("@PORT@", str(port)).replace("@TEMP_PATHS@", " ".join(temp))
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    log = open(os.path.join(prefix, "stderr.log"), "wb")
    test.addCleanup(log.close)
    proc = subprocess.Popen([NGINX, "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", path],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    test.addCleanup(stop, proc)
    try:
        wait_for_port(port, proc)
    except AssertionError:
        with open(os.path.join(prefix, "stderr.log")) as f:
            raise AssertionError("nginx did not start: " + f.read())
    return "http://127.0.0.1:%d/api/data" % port


# ---- real servers: the exact set of findings for each configuration ------------------------------------

class ExpressTest(unittest.TestCase):
    maxDiff = None

    def test_origin_true_with_credentials(self):
        url = start_express(self, "reflect-credentials")
        report = probe_json(self, url, *SITE_ARGS, status=3)
        self.assertEqual(ids(report), {"CORS-ORIGIN-REFLECTED-CREDENTIALS", "CORS-ACRH-REFLECTED",
                                       "CORS-HOSTILE-ACRH-ECHOED"})
        f = finding(report, "CORS-ORIGIN-REFLECTED-CREDENTIALS")
        self.assertEqual(f["severity"], "critical")
        self.assertEqual(f["request"]["probe"], "origin-reflected")
        self.assertEqual(f["request"]["origin"], "https://evil.invalid")
        self.assertIn("Access-Control-Allow-Origin: https://evil.invalid", lines(f))
        self.assertIn("Access-Control-Allow-Credentials: true", lines(f))
        self.assertTrue(lines(f)[0].startswith("HTTP/1.1 200"), lines(f))
        f = finding(report, "CORS-ACRH-REFLECTED")
        self.assertEqual(f["request"]["access_control_request_headers"], "x-corshdr-made-up-1,x-corshdr-made-up-2")
        self.assertIn("Access-Control-Allow-Headers: x-corshdr-made-up-1,x-corshdr-made-up-2", lines(f))
        self.assertEqual(report["counts"], {"critical": 1, "high": 0, "medium": 0, "low": 1, "info": 1})

    def test_defaults(self):
        url = start_express(self, "defaults")
        # The site asks for credentials, which `*` never grants: its own requests fail (info).
        report = probe_json(self, url, *SITE_ARGS, status=0)
        self.assertEqual(ids(report), {"CORS-WILDCARD", "CORS-ACRH-REFLECTED", "CORS-HOSTILE-ACRH-ECHOED",
                                       "CORS-SITE-ORIGIN-DENIED", "CORS-SITE-PREFLIGHT-DENIED"})
        self.assertIn("EWILDCARD", finding(report, "CORS-SITE-ORIGIN-DENIED")["detail"])
        self.assertIn("Access-Control-Allow-Origin: *", lines(finding(report, "CORS-WILDCARD")))
        # Without credentials the site works, and --fail-on decides the exit status.
        report = probe_json(self, url, "--origin", SITE, "--fail-on", "low", status=3)
        self.assertEqual(ids(report), {"CORS-WILDCARD", "CORS-ACRH-REFLECTED", "CORS-HOSTILE-ACRH-ECHOED"})

    def test_allow_list_is_clean(self):
        url = start_express(self, "list")
        report = probe_json(self, url, *SITE_ARGS, "--fail-on", "info", status=0)
        self.assertEqual(ids(report), set())
        # The site's own requests pass; every untrusted origin was asked and refused.
        by_name = {r["probe"]: r for r in report["requests"]}
        self.assertEqual(by_name["site"]["status"], 200)
        self.assertEqual(by_name["site-preflight"]["status"], 204)
        self.assertGreaterEqual(sum(1 for r in report["requests"] if r["probe"].startswith("origin-")), 30)


class NginxTest(unittest.TestCase):
    maxDiff = None

    def test_copied_snippet(self):
        url = start_nginx(self, "copied")
        report = probe_json(self, url, *SITE_ARGS, status=3)
        self.assertEqual(ids(report), {"CORS-ORIGIN-REFLECTED-CREDENTIALS", "CORS-VARY-ORIGIN-MISSING",
                                       "CORS-MAX-AGE-EXCESSIVE", "CORS-PREFLIGHT-ONLY-HEADER"})
        f = finding(report, "CORS-MAX-AGE-EXCESSIVE")
        self.assertIn("Access-Control-Max-Age: 1728000", lines(f))
        self.assertEqual(f["request"]["method"], "OPTIONS")
        f = finding(report, "CORS-VARY-ORIGIN-MISSING")
        self.assertEqual(f["request"]["probe"], "site")
        self.assertIn("Access-Control-Allow-Origin: https://app.example.com", lines(f))
        f = finding(report, "CORS-PREFLIGHT-ONLY-HEADER")
        self.assertIn("Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS", lines(f))

    def test_correct_configuration_is_clean(self):
        url = start_nginx(self, "correct")
        report = probe_json(self, url, *SITE_ARGS, "--fail-on", "info", status=0)
        self.assertEqual(ids(report), set())
        # The text report says so too.
        code, out, err, _ = probe(url, *SITE_ARGS)
        self.assertEqual((code, err), (0, ""))
        self.assertIn("findings: none\n", out)
        self.assertIn("result:   pass (--fail-on high)\n", out)


class TextReportTest(unittest.TestCase):
    def test_text_report_shows_request_and_proof(self):
        url = start_nginx(self, "copied")
        code, out, err, seconds = probe(url, *SITE_ARGS)
        self.assertEqual((code, err), (3, ""))
        block = out.split("\n\n")[1]
        self.assertTrue(block.startswith("critical  CORS-ORIGIN-REFLECTED-CREDENTIALS\n"), block)
        self.assertIn("  request 'origin-reflected': GET /api/data\n    Origin: https://evil.invalid\n", block)
        self.assertRegex(block, r"\n +\d+ \| Access-Control-Allow-Origin: https://evil\.invalid\n")
        self.assertIn("findings: 1 critical, 0 high, 0 medium, 2 low, 1 info\n", out)
        self.assertIn("result:   FAIL (--fail-on high)\n", out)
        self.assertLess(seconds, 20)


# ---- misbehaving servers: the transport's limits and error lines --------------------------------------

class Handler(socketserver.BaseRequestHandler):
    """Reads one request head and lets the test's function answer with raw bytes (or nothing)."""

    def handle(self):
        data = b""
        self.request.settimeout(10)
        try:
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            method, target = head[0].split(b" ")[:2]
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            self.server.answer(self.request, method, target, headers)
        except OSError:
            pass


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer):
        self.answer = answer
        super().__init__(("127.0.0.1", 0), Handler)


def start_raw(test, answer):
    """A stdlib server answering each request with answer(sock, method, target, headers)."""
    server = RawServer(answer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return "http://127.0.0.1:%d/" % server.server_address[1]


def reply(sock, head, body=b""):
    sock.sendall(head.replace(b"\n", b"\r\n") + b"\r\n" + body)


OK = b"HTTP/1.1 200 OK\nContent-Length: 0\nConnection: close\n"


class TransportTest(unittest.TestCase):
    maxDiff = None

    def error_line(self, url, *args, contains, status=1):
        code, out, err, _ = probe(url, *args)
        self.assertEqual(code, status, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("corshdr: probe: "), err)
        self.assertIn(contains, err)
        return err

    def test_unreachable_host(self):
        self.error_line("http://127.0.0.1:%d/" % free_port(), contains="cannot reach http://127.0.0.1:")

    def test_malformed_response(self):
        # libcurl rejects a line without a colon itself; the head reader rejects what libcurl lets by.
        url = start_raw(self, lambda s, m, t, h: reply(s, b"HTTP/1.1 200 OK\nNo colon here\n"))
        self.error_line(url, contains="malformed answer to request 'site' (GET): Weird server reply")
        url = start_raw(self, lambda s, m, t, h: reply(s, OK + b"Access-Control-Allow-Origin : *\n"))
        self.error_line(url, contains="malformed answer to request 'site' (GET): line 4, column 28: "
                                      "whitespace between a field name and its colon")
        url = start_raw(self, lambda s, m, t, h: reply(s, OK + b"Vary: Origin\n folded\n"))
        self.error_line(url, contains="line 5, column 1: line starts with whitespace (obs-fold continuation)")

    def test_head_longer_than_the_cap(self):
        big = b"X-Big: " + b"a" * 5000 + b"\n"
        url = start_raw(self, lambda s, m, t, h: reply(s, OK + big))
        self.error_line(url, "--max-head", "4096", contains="longer than 4096 bytes (--max-head)")
        self.assertEqual(probe(url, "--max-head", "8192")[0], 0)

    def test_big_body_is_cut_not_downloaded(self):
        body = b"x" * (8 << 20)

        def answer(s, m, t, h):
            try:
                reply(s, b"HTTP/1.1 200 OK\nContent-Length: %d\n" % len(body), body)
            except OSError:
                pass  # the probe hung up after --max-body bytes

        url = start_raw(self, answer)
        report = probe_json(self, url, "--max-body", "1000", status=0)
        self.assertTrue(all(r["body_cut"] for r in report["requests"] if r["method"] == "GET"))

    def test_silent_server_times_out(self):
        url = start_raw(self, lambda s, m, t, h: time.sleep(3))
        start = time.monotonic()
        self.error_line(url, "--timeout", "0.5", contains="Timeout")
        self.assertLess(time.monotonic() - start, 3)

    def test_no_redirect_by_default_and_same_host_only(self):
        def answer(s, m, t, h):
            if t == b"/":
                reply(s, b"HTTP/1.1 302 Found\nLocation: /here\nContent-Length: 0\nConnection: close\n")
            elif t == b"/here":
                origin = h.get(b"origin", b"")
                reply(s, OK + b"Access-Control-Allow-Origin: " + origin + b"\nVary: Origin\n")
            else:
                reply(s, b"HTTP/1.1 302 Found\nLocation: http://elsewhere.invalid/\nContent-Length: 0\n"
                         b"Connection: close\n")

        url = start_raw(self, answer)
        report = probe_json(self, url, status=0)
        self.assertEqual(ids(report), set())
        self.assertEqual({r["status"] for r in report["requests"] if r["method"] == "GET"}, {302})
        report = probe_json(self, url, "--follow-redirects", status=0)
        self.assertEqual(ids(report), {"CORS-ORIGIN-REFLECTED"})
        site = report["requests"][0]
        self.assertEqual((site["status"], site["redirects"], site["url"]), (200, 1, url + "here"))
        preflight = [r for r in report["requests"] if r["method"] == "OPTIONS"][0]
        self.assertEqual((preflight["status"], preflight["redirects"]), (302, 0), "preflights never follow")
        # A redirect to another host is not followed, and the report says so.
        code, out, err, _ = probe(url + "away", "--follow-redirects")
        self.assertEqual((code, err), (0, ""))
        self.assertIn("redirect to another host not followed: http://elsewhere.invalid/", out)

    def test_environment_proxy_is_ignored_unless_asked(self):
        url = start_raw(self, lambda s, m, t, h: reply(s, OK))
        env = dict(os.environ, http_proxy="http://127.0.0.1:%d" % free_port(), HTTP_PROXY="",
                   no_proxy="", NO_PROXY="")
        code, out, err, _ = probe(url, env=env)
        self.assertEqual((code, err), (0, ""))
        code, out, err, _ = probe(url, "--env-proxy", env=env)
        self.assertEqual(code, 1, err)
        self.assertIn("cannot reach", err)

    def test_crlf_injection_through_decoded_origin(self):
        from urllib.parse import unquote_to_bytes

        def answer(s, m, t, h):
            origin = unquote_to_bytes(h.get(b"origin", b""))  # the bug: Origin percent-decoded, then echoed
            reply(s, OK + b"Access-Control-Allow-Origin: " + origin + b"\nVary: Origin\n")

        url = start_raw(self, answer)
        report = probe_json(self, url, status=3)
        self.assertIn("CORS-CRLF-INJECTION", ids(report))
        f = finding(report, "CORS-CRLF-INJECTION")
        self.assertEqual(f["severity"], "critical")
        self.assertEqual(f["request"]["probe"], "crlf-1")
        self.assertIn("X-Corshdr-Injected: 1", lines(f))
        self.assertIn("CORS-ORIGIN-DECODED", ids(report))

    def test_slow_answer_to_hostile_preflight(self):
        def answer(s, m, t, h):
            if len(h.get(b"access-control-request-headers", b"")) > 1000:
                time.sleep(0.6)
            reply(s, b"HTTP/1.1 204 No Content\nConnection: close\n" if m == b"OPTIONS" else OK)

        url = start_raw(self, answer)
        report = probe_json(self, url, "--slow", "300", status=0)
        self.assertEqual(ids(report), {"CORS-HOSTILE-ACRH-SLOW"})
        f = finding(report, "CORS-HOSTILE-ACRH-SLOW")
        self.assertEqual((f["request"]["probe"], f["occurrences"]), ("hostile-commas", 2))
        self.assertGreater(f["request"]["elapsed_ms"], 500)

    def test_hostile_preflight_that_kills_the_connection(self):
        def answer(s, m, t, h):
            if len(h.get(b"access-control-request-headers", b"")) > 1000:
                return  # hang up without a word
            reply(s, b"HTTP/1.1 204 No Content\nConnection: close\n" if m == b"OPTIONS" else OK)

        url = start_raw(self, answer)
        report = probe_json(self, url, status=0)
        self.assertEqual(ids(report), {"CORS-HOSTILE-ACRH-ERROR"})
        self.assertIn("Empty reply from server", finding(report, "CORS-HOSTILE-ACRH-ERROR")["detail"])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_probe.py PATH/TO/corshdr [unittest options]")
    CORSHDR = os.path.abspath(sys.argv.pop(1))
    unittest.main()
