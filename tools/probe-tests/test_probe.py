"""Tests of `corshdr probe` against real servers on loopback, each configuration's finding IDs asserted
exactly as servers/GROUND-TRUTH.md gives them (written down before the probe was run against them):

  - express with the `cors` middleware (Debian's node-express, node-cors): 3 configurations;
  - nginx: the commonly copied snippet, a correct configuration, a suffix-matching regex;
  - Apache httpd with mod_headers and mod_setenvif (Debian's apache2-bin): 3 configurations;
  - Flask with flask-cors (Debian's python3-flask-cors): 3 configurations;
  - Go's net/http with rs/cors (Debian's golang-go, golang-github-rs-cors-dev, built offline): 3;

then small stdlib servers that misbehave on purpose: malformed, huge and endless heads (a trailer flood),
bodies, redirects, a connection closed after an answer, silence (a stall, under --timeout and --deadline),
header injection; and a run of 200 targets on loopback servers that count the requests in flight, to check
the concurrency bounds, the order and shards of a --targets run, JSON Lines, SARIF and the progress line.

    /usr/bin/python3 tools/probe-tests/test_probe.py PATH/TO/corshdr

Run it through tools/probe-tests/run.sh. Standard library only (the Flask server runs under the system
interpreter with Debian's flask-cors). A missing server fails the run, it is never skipped. Every server is
started on an ephemeral 127.0.0.1 port and stopped afterwards, also when a test fails. The hostile cases
print their wall time and peak memory (maximum resident set) on standard error, as "measure:" lines.
"""

import json
import os
import pty
import random
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
SERVERS = os.path.join(HERE, "servers")
EXPRESS_DIR = os.path.join(SERVERS, "express")
NGINX_DIR = os.path.join(SERVERS, "nginx")
APACHE_DIR = os.path.join(SERVERS, "apache")
FLASK_SERVER = os.path.join(SERVERS, "flask", "server.py")
GO_SOURCE = os.path.join(SERVERS, "go", "main.go")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APACHE = "/usr/sbin/apache2"
NODE = shutil.which("node")
PYTHON = "/usr/bin/python3"  # Debian's: the one with flask-cors
GO = shutil.which("go") or "/usr/bin/go"
GOPATH = "/usr/share/gocode"  # Debian's Go sources, rs/cors among them
TIME = "/usr/bin/time"  # GNU time (Debian: time), for the peak memory of the hostile cases

SITE = "https://app.example.com"
# How the servers are probed: the site's own origin, a PUT with a JSON body, cookies included.
SITE_ARGS = ["--origin", SITE, "--method", "PUT", "--request-headers", "content-type", "--credentials", "include"]


def probe(url, *args, env=None, timeout=120):
    """Runs corshdr probe; returns (exit status, stdout, stderr, seconds)."""
    start = time.monotonic()
    done = subprocess.run([CORSHDR, "probe", *args] + ([url] if url else []), capture_output=True,
                          timeout=timeout, env=env)
    return (done.returncode, done.stdout.decode("ascii"), done.stderr.decode("utf-8", "replace"),
            time.monotonic() - start)


def measured(*args, timeout=120):
    """Runs corshdr with args under GNU time; returns (exit status, stdout, stderr, seconds, peak resident MiB).
    (The peak is GNU time's: a child forked from this Python process would report Python's own size.)"""
    fd, stats = tempfile.mkstemp(prefix="corshdr-time-")
    os.close(fd)
    try:
        # Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by default) before it is reused:
        # a small one keeps the peak about the probe's own memory.
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=8"
        start = time.monotonic()
        done = subprocess.run([TIME, "-f", "%M", "-o", stats, CORSHDR, *args], capture_output=True, timeout=timeout,
                              env=env)
        seconds = time.monotonic() - start
        with open(stats) as f:
            kib = int(f.read().split()[-1])
    finally:
        os.remove(stats)
    return (done.returncode, done.stdout.decode("ascii"), done.stderr.decode("utf-8", "replace"), seconds,
            kib / 1024.0)


def measure_note(name, seconds, mib):
    sys.stderr.write("measure: %s: %.2f s, peak %.1f MiB\n" % (name, seconds, mib))


def probe_json(test, url, *args, status=None):
    code, out, err, seconds = probe(url, "--json", *args)
    test.assertEqual(err, "", "no error line when a report is written")
    report = json.loads(out)
    if status is not None:
        test.assertEqual(code, status, [f["id"] for f in report["findings"]])
    test.assertEqual(report["failed"], code == 3)
    test.assertEqual(report["result"], {0: "pass", 3: "fail", 4: "inconclusive"}[code])
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
    """An ephemeral loopback port, found by binding to it (nginx and httpd must be told a port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=15):
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
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def node_env():
    """Debian installs node modules in /usr/share/nodejs; a node from elsewhere does not look there."""
    env = dict(os.environ)
    env["NODE_PATH"] = os.pathsep.join(p for p in ("/usr/share/nodejs", env.get("NODE_PATH")) if p)
    return env


def start_announcing(test, argv, what, env=None, cwd=None):
    """Starts a server that prints {"port": N} once it listens and exits when stdin closes; its base URL."""
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    test.addCleanup(stop, proc)
    test.addCleanup(proc.stdout.close)
    test.addCleanup(proc.stdin.close)
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    if not ready:
        raise AssertionError("the %s server did not start within 20 s" % what)
    line = proc.stdout.readline()
    if not line:
        raise AssertionError("the %s server exited with status %s" % (what, proc.wait(5)))
    return "http://127.0.0.1:%d/api/data" % json.loads(line)["port"]


def start_express(test, config):
    """node servers/express/server.js CONFIG; returns its URL. Stopped by the test's cleanup."""
    if not NODE:
        raise AssertionError("node is required (Debian: apt-get install nodejs node-express node-cors)")
    return start_announcing(test, [NODE, "server.js", config], "express", env=node_env(), cwd=EXPRESS_DIR)


def start_flask(test, config):
    """servers/flask/server.py CONFIG under Debian's python3 with flask-cors; returns its URL."""
    return start_announcing(test, [PYTHON, FLASK_SERVER, config], "Flask")


GO_BUILD = {}


def go_server():
    """servers/go/main.go built once per run, offline: GOPATH mode over Debian's Go sources."""
    if "binary" not in GO_BUILD:
        work = tempfile.mkdtemp(prefix="corshdr-go-")
        GO_BUILD["dir"] = work
        env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="", GOCACHE=os.path.join(work, "cache"),
                   HOME=work, GOTOOLCHAIN="local", CGO_ENABLED="0")
        binary = os.path.join(work, "server")
        done = subprocess.run([GO, "build", "-o", binary, GO_SOURCE], capture_output=True, env=env, timeout=300)
        if done.returncode != 0:
            raise AssertionError("go build failed: " + done.stderr.decode("utf-8", "replace"))
        GO_BUILD["binary"] = binary
    return GO_BUILD["binary"]


def start_go(test, config):
    return start_announcing(test, [go_server(), config], "Go")


def start_nginx(test, config):
    """nginx -c servers/nginx/CONFIG.conf.in, filled in, in a temporary prefix; returns its URL."""
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


def start_apache(test, config):
    """httpd -f servers/apache/CONFIG.conf.in (with common.conf.in and correct-headers.conf.in), filled in, in a
    temporary prefix that serves htdocs/api/data; returns its URL."""
    if not os.access(APACHE, os.X_OK):
        raise AssertionError("Apache httpd is required (Debian: apt-get install apache2-bin)")
    prefix = tempfile.mkdtemp(prefix="corshdr-httpd-")
    test.addCleanup(shutil.rmtree, prefix, True)
    os.makedirs(os.path.join(prefix, "htdocs", "api"))
    with open(os.path.join(prefix, "htdocs", "api", "data"), "w") as f:
        f.write('{"config": "%s"}\n' % config)
    # Started as root, httpd runs its children as another account, which must read the files.
    for root, dirs, files in os.walk(prefix):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    user = ""
    if os.geteuid() == 0:
        import grp
        import pwd
        account = next((u for u in ("www-data", "nobody") if _exists(pwd.getpwnam, u)), None)
        group = next((g for g in ("www-data", "nogroup") if _exists(grp.getgrnam, g)), None)
        user = "User %s\nGroup %s" % (account, group)
    port = free_port()

    def read(name):
        with open(os.path.join(APACHE_DIR, name)) as f:
            return f.read()

    conf = (read(config + ".conf.in").replace("@COMMON@", read("common.conf.in"))
            .replace("@CORRECT_HEADERS@", read("correct-headers.conf.in"))
            .replace("@PREFIX@", prefix).replace("@PORT@", str(port)).replace("@USER@", user))
    path = os.path.join(prefix, "httpd.conf")
    with open(path, "w") as f:
        f.write(conf)
    log = open(os.path.join(prefix, "stderr.log"), "wb")
    test.addCleanup(log.close)
    proc = subprocess.Popen([APACHE, "-f", path, "-DFOREGROUND"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    test.addCleanup(stop, proc)
    try:
        wait_for_port(port, proc)
    except AssertionError:
        with open(os.path.join(prefix, "stderr.log")) as f:
            raise AssertionError("httpd did not start: " + f.read())
    return "http://127.0.0.1:%d/api/data" % port


def _exists(lookup, name):
    try:
        lookup(name)
        return True
    except KeyError:
        return False


# ---- real servers: the exact set of findings for each configuration (servers/GROUND-TRUTH.md) -----------

class RealServerCase(unittest.TestCase):
    """Each configuration is probed as the site calls it (SITE_ARGS), and must give exactly its ground truth."""
    maxDiff = None
    start = None     # a function (test, config) -> URL
    truth = {}       # config -> (finding IDs, exit status)

    def check(self, config):
        url = type(self).start(self, config)
        expected, status = self.truth[config]
        report = probe_json(self, url, *SITE_ARGS)
        self.assertEqual((ids(report), report["result"]),
                         (expected, {0: "pass", 3: "fail", 4: "inconclusive"}[status]), config)
        code, _, _, _ = probe(url, *SITE_ARGS)
        self.assertEqual(code, status, config)
        return url, report


class ExpressTest(RealServerCase):
    start = start_express
    truth = {
        "reflect-credentials": ({"CORS-ORIGIN-REFLECTED-CREDENTIALS", "CORS-ACRH-REFLECTED",
                                 "CORS-HOSTILE-ACRH-ECHOED"}, 3),
        "defaults": ({"CORS-WILDCARD", "CORS-ACRH-REFLECTED", "CORS-HOSTILE-ACRH-ECHOED",
                      "CORS-SITE-ORIGIN-DENIED", "CORS-SITE-PREFLIGHT-DENIED"}, 0),
        "list": (set(), 0),
    }

    def test_origin_true_with_credentials(self):
        _, report = self.check("reflect-credentials")
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
        url, report = self.check("defaults")
        # The site asks for credentials, which `*` never grants: its own requests fail (info).
        self.assertIn("EWILDCARD", finding(report, "CORS-SITE-ORIGIN-DENIED")["detail"])
        self.assertIn("Access-Control-Allow-Origin: *", lines(finding(report, "CORS-WILDCARD")))
        # Without credentials the site works, and --fail-on decides the exit status.
        report = probe_json(self, url, "--origin", SITE, "--fail-on", "low", status=3)
        self.assertEqual(ids(report), {"CORS-WILDCARD", "CORS-ACRH-REFLECTED", "CORS-HOSTILE-ACRH-ECHOED"})

    def test_allow_list_is_clean(self):
        url, report = self.check("list")
        report = probe_json(self, url, *SITE_ARGS, "--fail-on", "info", status=0)
        # The site's own requests pass; every untrusted origin was asked and refused.
        by_name = {r["probe"]: r for r in report["requests"]}
        self.assertEqual(by_name["site"]["status"], 200)
        self.assertEqual(by_name["site-preflight"]["status"], 204)
        self.assertGreaterEqual(sum(1 for r in report["requests"] if r["probe"].startswith("origin-")), 30)


class NginxTest(RealServerCase):
    start = start_nginx
    truth = {
        "copied": ({"CORS-ORIGIN-REFLECTED-CREDENTIALS", "CORS-VARY-ORIGIN-MISSING", "CORS-MAX-AGE-EXCESSIVE",
                    "CORS-PREFLIGHT-ONLY-HEADER"}, 3),
        "correct": (set(), 0),
        "suffix-regex": ({"CORS-ORIGIN-SUFFIX-CREDENTIALS"}, 3),
    }

    def test_copied_snippet(self):
        _, report = self.check("copied")
        f = finding(report, "CORS-MAX-AGE-EXCESSIVE")
        self.assertIn("Access-Control-Max-Age: 1728000", lines(f))
        self.assertEqual(f["request"]["method"], "OPTIONS")
        f = finding(report, "CORS-VARY-ORIGIN-MISSING")
        self.assertEqual(f["request"]["probe"], "site")
        self.assertIn("Access-Control-Allow-Origin: https://app.example.com", lines(f))
        f = finding(report, "CORS-PREFLIGHT-ONLY-HEADER")
        self.assertIn("Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS", lines(f))

    def test_correct_configuration_is_clean(self):
        url, _ = self.check("correct")
        # The text report says so too.
        code, out, err, _ = probe(url, *SITE_ARGS)
        self.assertEqual((code, err), (0, ""))
        self.assertIn("findings: none\n", out)
        self.assertIn("result:   pass (--fail-on high)\n", out)

    def test_suffix_regex_is_a_suffix_match_not_an_unescaped_dot(self):
        _, report = self.check("suffix-regex")
        f = finding(report, "CORS-ORIGIN-SUFFIX-CREDENTIALS")
        self.assertEqual((f["request"]["probe"], f["occurrences"]), ("origin-suffix-1", 2))
        self.assertIn("Access-Control-Allow-Origin: https://evilexample.com", lines(f))
        # appxexample.com, evil.example.com and evil.app.example.com passed too: the suffix match explains them.
        passed = {r["probe"] for r in report["requests"] if r["probe"] in ("origin-dot-1", "origin-sibling",
                                                                           "origin-subdomain")}
        self.assertEqual(passed, {"origin-dot-1", "origin-sibling", "origin-subdomain"})


class ApacheTest(RealServerCase):
    start = start_apache
    truth = {
        "copied": ({"CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS", "CORS-ORIGIN-HTTP-CREDENTIALS",
                    "CORS-VARY-ORIGIN-MISSING", "CORS-PREFLIGHT-ONLY-HEADER", "CORS-MAX-AGE-CAPPED"}, 3),
        "subdomains": ({"CORS-ORIGIN-SIBLING-CREDENTIALS"}, 0),
        "correct": (set(), 0),
    }

    def test_copied_snippet(self):
        _, report = self.check("copied")
        f = finding(report, "CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS")
        self.assertEqual((f["severity"], f["request"]["origin"]), ("high", "https://appxexample.com"))
        self.assertIn("Access-Control-Allow-Origin: https://appxexample.com", lines(f))
        f = finding(report, "CORS-ORIGIN-HTTP-CREDENTIALS")
        self.assertEqual(f["request"]["origin"], "http://app.example.com")
        self.assertIn("Access-Control-Max-Age: 86400", lines(finding(report, "CORS-MAX-AGE-CAPPED")))

    def test_subdomains_on_purpose_are_medium(self):
        _, report = self.check("subdomains")
        f = finding(report, "CORS-ORIGIN-SIBLING-CREDENTIALS")
        self.assertEqual((f["severity"], f["request"]["origin"]), ("medium", "https://evil.example.com"))

    def test_correct(self):
        self.check("correct")


class FlaskTest(RealServerCase):
    start = start_flask
    truth = {
        "reflect-credentials": ({"CORS-ORIGIN-REFLECTED-CREDENTIALS", "CORS-ACRH-REFLECTED",
                                 "CORS-HOSTILE-ACRH-ECHOED"}, 3),
        "regex": ({"CORS-ORIGIN-PREFIX-CREDENTIALS", "CORS-ORIGIN-SIBLING-CREDENTIALS",
                   "CORS-VARY-ORIGIN-MISSING"}, 3),
        "list": ({"CORS-VARY-ORIGIN-MISSING"}, 0),
    }

    def test_reflect_credentials(self):
        self.check("reflect-credentials")

    def test_regex_without_end_anchor(self):
        _, report = self.check("regex")
        f = finding(report, "CORS-ORIGIN-PREFIX-CREDENTIALS")
        self.assertEqual(f["request"]["origin"], "https://app.example.com.evil.invalid")
        self.assertEqual(finding(report, "CORS-ORIGIN-SIBLING-CREDENTIALS")["severity"], "medium")

    def test_list(self):
        _, report = self.check("list")
        # Only the answers to untrusted origins lack Vary: flask-cors adds it only when it allows the origin.
        f = finding(report, "CORS-VARY-ORIGIN-MISSING")
        self.assertNotEqual(f["request"]["probe"], "site")


class GoTest(RealServerCase):
    start = start_go
    truth = {
        "wildcard-subdomain": ({"CORS-ORIGIN-SIBLING-CREDENTIALS"}, 0),
        "suffix": ({"CORS-ORIGIN-SUFFIX-CREDENTIALS", "CORS-ORIGIN-HTTP-CREDENTIALS"}, 3),
        "list": (set(), 0),
    }

    def test_wildcard_subdomain_is_no_critical(self):
        _, report = self.check("wildcard-subdomain")
        self.assertEqual(report["counts"], {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0})

    def test_suffix(self):
        self.check("suffix")

    def test_list(self):
        self.check("list")


class InconclusiveTest(unittest.TestCase):
    """A server that allows none of the tried origins, the URL's own included, proves nothing: never `pass`."""

    def test_without_origin(self):
        for start, config in ((start_nginx, "correct"), (start_go, "list")):
            url = start(self, config)
            report = probe_json(self, url, status=4)
            self.assertEqual((report["result"], report["findings"], report["origin_hint"]),
                             ("inconclusive", [], None))
            code, out, err, _ = probe(url)
            self.assertEqual((code, err), (4, ""))
            origin = url[:url.index("/api")]
            self.assertTrue(out.endswith(
                "findings: none\n"
                "result:   inconclusive: no tried origin was allowed, not even the site's own (%s)\n"
                "hint:     give the origin of a page that calls this URL with --origin ORIGIN\n" % origin), out)
            # With the site's origin the same server is judged.
            self.assertEqual(probe(url, "--origin", SITE)[0], 0)


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


def own_ok(h):
    """OK, allowing the request's Origin when it is the URL's own: the site of a probe without --origin is
    allowed, so the answers give a verdict (a server that allows nothing is inconclusive)."""
    origin = h.get(b"origin", b"")
    if origin == b"http://" + h.get(b"host", b""):
        return OK + b"Access-Control-Allow-Origin: " + origin + b"\nVary: Origin\n"
    return OK + b"Vary: Origin\n"


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

    def test_nothing_allowed_is_inconclusive(self):
        url = start_raw(self, lambda s, m, t, h: reply(s, OK))
        report = probe_json(self, url, "--origin", SITE, status=4)
        self.assertEqual((ids(report), report["origin_hint"]),
                         ({"CORS-SITE-ORIGIN-DENIED", "CORS-SITE-PREFLIGHT-DENIED"}, None))
        # An answer that allows another origin than the one asked for names it.
        fixed = OK + b"Access-Control-Allow-Origin: https://www.example.org\n"
        url = start_raw(self, lambda s, m, t, h: reply(s, fixed))
        code, out, err, _ = probe(url)
        self.assertEqual((code, err), (4, ""))
        self.assertIn("hint:     an answer allowed https://www.example.org instead: probe again with --origin "
                      "https://www.example.org\n", out)

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
        url = start_raw(self, lambda s, m, t, h: reply(s, own_ok(h) + big))
        self.error_line(url, "--max-head", "4096",
                        contains="malformed answer to request 'site' (GET): the response head is longer than "
                                 "4096 bytes (--max-head)")
        self.assertEqual(probe(url, "--max-head", "8192")[0], 0)

    def test_max_head_up_to_libcurls_own_limit(self):
        """--max-head goes up to 300 KiB, libcurl's own cap; a head under it in short lines is read whole, a
        single line over libcurl's 100 KiB line cap is refused by libcurl, and that is said clearly."""
        many = b"".join(b"X-Pad-%d: %s\n" % (i, b"a" * 1000) for i in range(280))  # about 285 KB
        url = start_raw(self, lambda s, m, t, h: reply(s, own_ok(h) + many))
        self.assertEqual(probe(url, "--max-head", "307200")[0], 0)
        self.error_line(url, "--max-head", "200000", contains="longer than 200000 bytes")
        one = b"X-Long: " + b"a" * (110 * 1024) + b"\n"
        url = start_raw(self, lambda s, m, t, h: reply(s, own_ok(h) + one))
        self.error_line(url, "--max-head", "307200", contains="malformed answer to request 'site' (GET): libcurl "
                                                              "refused the answer: Out of memory (what libcurl "
                                                              "reports for a header line over 100 KiB)")

    def test_big_body_is_cut_not_downloaded(self):
        body = b"x" * (8 << 20)

        def answer(s, m, t, h):
            try:
                reply(s, b"HTTP/1.1 200 OK\nContent-Length: %d\n" % len(body), body)
            except OSError:
                pass  # the probe hung up after --max-body bytes

        url = start_raw(self, answer)
        report = probe_json(self, url, "--max-body", "1000", status=4)
        self.assertTrue(all(r["body_cut"] for r in report["requests"] if r["method"] == "GET"))

    def test_silent_server_times_out(self):
        url = start_raw(self, lambda s, m, t, h: time.sleep(3))
        start = time.monotonic()
        self.error_line(url, "--timeout", "0.5", contains="no answer to request 'site' (GET): the server took the "
                                                          "request and said nothing until the timeout (--timeout) "
                                                          "ran out (0.5 s)")
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
        report = probe_json(self, url, status=4)
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
        self.assertEqual((code, err), (4, ""))  # nothing allowed there: inconclusive
        self.assertIn("redirect to another host not followed: http://elsewhere.invalid/", out)

    def test_environment_proxy_is_ignored_unless_asked(self):
        url = start_raw(self, lambda s, m, t, h: reply(s, own_ok(h)))
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
            reply(s, b"HTTP/1.1 204 No Content\nConnection: close\n" if m == b"OPTIONS" else own_ok(h))

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
            reply(s, b"HTTP/1.1 204 No Content\nConnection: close\n" if m == b"OPTIONS" else own_ok(h))

        url = start_raw(self, answer)
        report = probe_json(self, url, status=0)
        self.assertEqual(ids(report), {"CORS-HOSTILE-ACRH-ERROR"})
        self.assertIn("Empty reply from server", finding(report, "CORS-HOSTILE-ACRH-ERROR")["detail"])


# ---- hostile servers: bounded in memory and time, every failure named ------------------------------------

class HostileTest(unittest.TestCase):
    """A trailer flood, a connection closed after each answer, a stall: each run measured (wall time and
    peak resident memory of the probe), with bounds far above what a bounded probe needs and far below what
    an unbounded one takes."""
    maxDiff = None

    def test_trailer_flood(self):
        line = b"X-Flood: " + b"a" * 100 + b"\r\n"
        block = line * 600

        def flood(s, m, t, h):
            # A chunked answer whose trailer section never ends (the old probe grew ~50 MB/s until its timeout).
            s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Flood\r\n\r\n0\r\n")
            end = time.monotonic() + 30
            try:
                while time.monotonic() < end:
                    s.sendall(block)
            except OSError:
                pass  # the probe hung up

        url = start_raw(self, flood)
        for name, args in (("trailer flood, text", []), ("trailer flood, --json", ["--json"]),
                           ("trailer flood, --max-head 307200", ["--max-head", "307200"])):
            code, out, err, seconds, mib = measured("probe", "--timeout", "30", *args, url)
            measure_note(name, seconds, mib)
            self.assertEqual((code, out), (1, ""), err)
            self.assertIn("malformed answer to request 'site' (GET): the response head with its trailer section is "
                          "longer than", err)
            self.assertIn("(--max-head)", err)
            self.assertLess(seconds, 10)
            self.assertLess(mib, 64)

    def test_trailer_flood_on_hostile_preflights_only(self):
        line = b"X-Flood: " + b"a" * 100 + b"\r\n"

        def answer(s, m, t, h):
            if len(h.get(b"access-control-request-headers", b"")) < 1000:
                reply(s, own_ok(h))
                return
            s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n")
            try:
                for _ in range(20000):
                    s.sendall(line * 100)
            except OSError:
                pass

        url = start_raw(self, answer)
        code, out, err, seconds, mib = measured("probe", "--json", url)
        measure_note("trailer flood on hostile preflights", seconds, mib)
        self.assertEqual((code, err), (0, ""))
        report = json.loads(out)
        self.assertEqual(ids(report), {"CORS-HOSTILE-ACRH-ERROR"})
        self.assertIn("trailer section is longer than 65536 bytes (--max-head)",
                      finding(report, "CORS-HOSTILE-ACRH-ERROR")["detail"])
        self.assertLess(mib, 64)

    def test_close_after_answer(self):
        """Keep-alive answers (no Connection: close), then the server closes the connection without reading the
        next request (RFC 9112 §9.6 allows it): a request lost that way is sent again on a fresh connection, and
        is never the server's fault. 20 runs, all alike."""
        def answer(s, m, t, h):
            reply(s, own_ok(h).replace(b"Connection: close\n", b""))
            time.sleep(random.choice((0, 0.002, 0.01, 0.03)))  # then the handler returns and the socket closes

        url = start_raw(self, answer)
        start = time.monotonic()
        peak = 0
        for run in range(20):
            code, out, err, seconds, mib = measured("probe", "--json", url)
            peak = max(peak, mib)
            self.assertEqual((code, err), (0, ""), "run %d" % run)
            report = json.loads(out)
            self.assertEqual((report["result"], ids(report)), ("pass", set()), "run %d" % run)
            self.assertEqual({r["status"] for r in report["requests"]}, {200}, "run %d" % run)
        measure_note("close after answer, 20 runs", time.monotonic() - start, peak)

    def stalling(self, stall, head=b""):
        """A server that answers (allowing the URL's own origin) unless stall(method, headers), and then sends
        `head` and nothing more for 40 s."""
        def answer(s, m, t, h):
            if stall(m, h):
                if head:
                    s.sendall(head)
                time.sleep(40)
                return
            reply(s, own_ok(h))
        return start_raw(self, answer)

    def test_stall_named_under_the_timeout(self):
        url = self.stalling(lambda m, h: h.get(b"origin") == b"null")
        code, out, err, seconds, mib = measured("probe", "--timeout", "1", url)
        measure_note("stall, --timeout 1", seconds, mib)
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "corshdr: probe: %s: no answer to request 'origin-null' (GET): the server took the "
                              "request and said nothing until the timeout (--timeout) ran out (1 s)\n" % url)
        self.assertLess(seconds, 6)

    def test_stall_named_under_the_deadline(self):
        url = self.stalling(lambda m, h: h.get(b"origin") == b"null")
        code, out, err, seconds, mib = measured("probe", "--timeout", "30", "--deadline", "2", url)
        measure_note("stall, --timeout 30 --deadline 2", seconds, mib)
        self.assertEqual((code, out), (1, ""))
        self.assertRegex(err, r"^corshdr: probe: %s: no answer to request 'origin-null' \(GET\) within the "
                              r"deadline of 2 s \(--deadline\): it waited \d+\.\d s; \d+ of \d+ requests were "
                              r"answered\n$" % url)
        self.assertGreater(seconds, 1.5)
        self.assertLess(seconds, 8)

    def test_stall_after_part_of_a_head(self):
        url = self.stalling(lambda m, h: m == b"OPTIONS", head=b"HTTP/1.1 204 No Content\r\n")
        code, out, err, seconds, mib = measured("probe", "--timeout", "1", "--origin", SITE, url)
        measure_note("stall after 25 bytes of a head, --timeout 1", seconds, mib)
        self.assertEqual((code, out), (1, ""))
        self.assertIn("no answer to request 'site-preflight' (OPTIONS): the server sent 25 bytes of its answer, "
                      "then stalled until the timeout (--timeout) ran out (1 s)", err)

    def test_default_deadline_bounds_a_stalled_battery(self):
        """Every request after the first stalls; with four in flight at a time the deadline ends it."""
        url = self.stalling(lambda m, h: h.get(b"origin") != b"http://" + h.get(b"host", b""))
        code, out, err, seconds, mib = measured("probe", "--timeout", "60", "--deadline", "3", url)
        measure_note("every request stalls, --deadline 3", seconds, mib)
        self.assertEqual(code, 1, err)
        self.assertIn("within the deadline of 3 s (--deadline)", err)
        self.assertLess(seconds, 9)


# ---- many targets --------------------------------------------------------------------------------------------

class Counter:
    """Requests in flight, in all and per server (one host and port), and the most seen of each."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.per = {}
        self.most_per = {}
        self.requests = 0

    def enter(self, port):
        with self.lock:
            self.now += 1
            self.requests += 1
            self.most = max(self.most, self.now)
            self.per[port] = self.per.get(port, 0) + 1
            self.most_per[port] = max(self.most_per.get(port, 0), self.per[port])

    def leave(self, port):
        with self.lock:
            self.now -= 1
            self.per[port] -= 1


def target_answer(path, headers, port):
    """The loopback targets: /t/N reflects any origin with credentials when N % 3 == 0 (fail), allows the
    URL's own origin when N % 3 == 1 (pass) and nothing when N % 3 == 2 (inconclusive)."""
    n = int(path.split(b"/")[2])
    origin = headers.get(b"origin", b"")
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nVary: Origin\r\n"
    if n % 3 == 0 or (n % 3 == 1 and origin == b"http://127.0.0.1:%d" % port):
        head += b"Access-Control-Allow-Origin: " + origin + b"\r\n"
        if n % 3 == 0:
            head += b"Access-Control-Allow-Credentials: true\r\n"
    return head + b"\r\n"


class KeepAliveHandler(socketserver.BaseRequestHandler):
    """Answers requests on a kept-alive connection, each after server.delay seconds, counted while in flight
    (from its head read to just before its answer goes out, so a client never sees more than it sent)."""

    def handle(self):
        server, sock, data = self.server, self.request, b""
        sock.settimeout(60)
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, data = data.split(b"\r\n\r\n", 1)
                lines = head.split(b"\r\n")
                target = lines[0].split(b" ")[1]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                port = server.server_address[1]
                server.counter.enter(port)
                try:
                    if server.stall and target.endswith(b"/stall") and headers.get(b"origin") == b"null":
                        time.sleep(40)
                        return
                    time.sleep(server.delay)
                    answer = target_answer(target, headers, port)
                finally:
                    server.counter.leave(port)
                sock.sendall(answer)
        except (OSError, ValueError, IndexError):
            pass


class KeepAliveServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, counter, delay, stall=False):
        self.counter, self.delay, self.stall = counter, delay, stall
        super().__init__(("127.0.0.1", 0), KeepAliveHandler)


def start_targets(test, servers, delay=0.002, stall=False):
    """`servers` loopback servers sharing one Counter; returns (counter, [port, ...])."""
    counter, ports = Counter(), []
    for _ in range(servers):
        server = KeepAliveServer(counter, delay, stall)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        test.addCleanup(server.server_close)
        test.addCleanup(server.shutdown)
        ports.append(server.server_address[1])
    return counter, ports


def write_targets(test, ports, count, json_every=5):
    """A --targets file: target i at server i % len(ports), path /t/i; every json_every-th line a JSON object
    with the site's origin and credentials. Comments and blank lines between. Returns (path, [line of target i])."""
    fd, path = tempfile.mkstemp(prefix="corshdr-targets-", suffix=".txt")
    test.addCleanup(os.remove, path)
    rows, where = ["# corshdr probe targets", ""], []
    for i in range(count):
        url = "http://127.0.0.1:%d/t/%d" % (ports[i % len(ports)], i)
        if json_every and i % json_every == json_every - 1:
            rows.append(json.dumps({"url": url, "origin": SITE, "credentials": "include"}))
        else:
            rows.append(url)
        where.append(len(rows))
        if i % 50 == 49:
            rows.append("")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(rows) + "\n")
    return path, where


def expected_result(i, json_every=5):
    if i % 3 == 0:
        return "fail"
    if json_every and i % json_every == json_every - 1:
        # The site's origin (app.example.com) is never allowed by these servers: its own requests fail (info).
        return "inconclusive"
    return "pass" if i % 3 == 1 else "inconclusive"


def records(out):
    return [json.loads(l) for l in out.splitlines()]


def verdicts(out):
    return {r["line"]: (r["result"], sorted(ids(r))) for r in records(out)}


class TargetsTest(unittest.TestCase):
    maxDiff = None

    def test_200_targets_within_the_concurrency_bounds(self):
        counter, ports = start_targets(self, 8)
        path, where = write_targets(self, ports, 200)
        code, out, err, seconds, mib = measured("probe", "--targets", path, "--json", "--concurrency", "16",
                                                "--per-host", "3", timeout=300)
        measure_note("200 targets, --concurrency 16 --per-host 3", seconds, mib)
        self.assertEqual((code, err), (3, ""))
        got = records(out)
        self.assertEqual([r["line"] for r in got], where, "one record a target, in the file's order")
        self.assertEqual([r["result"] for r in got], [expected_result(i) for i in range(200)])
        for i, r in enumerate(got):
            if i % 3 == 0:
                self.assertIn("CORS-ORIGIN-REFLECTED-CREDENTIALS", ids(r))
        self.assertEqual(counter.requests, sum(len(r["requests"]) for r in got))
        # The bounds hold, and were reached: the requests did run side by side.
        self.assertEqual(counter.most, 16)
        self.assertEqual(max(counter.most_per.values()), 3)
        self.assertLess(mib, 64)

        # One at a time: never two in flight.
        counter, ports = start_targets(self, 4)
        path, where = write_targets(self, ports, 12)
        code, out, err, seconds, _ = measured("probe", "--targets", path, "--json", "--concurrency", "1")
        self.assertEqual((code, err), (3, ""))
        self.assertEqual([r["result"] for r in records(out)], [expected_result(i) for i in range(12)])
        self.assertEqual(counter.most, 1)

    def test_shards_give_the_same_findings_as_one_run(self):
        counter, ports = start_targets(self, 3, delay=0)
        path, where = write_targets(self, ports, 30)
        code, out, err, _ = probe(None, "--targets", path, "--json")
        self.assertEqual((code, err), (3, ""))
        whole = verdicts(out)
        self.assertEqual(len(whole), 30)
        union = {}
        for k in (1, 2, 3):
            code, out, err, _ = probe(None, "--targets", path, "--json", "--shard", "%d/3" % k)
            self.assertIn(code, (3, 4), err)
            part = verdicts(out)
            self.assertEqual(sorted(part), [where[i] for i in range(30) if i % 3 == k - 1])
            self.assertFalse(set(part) & set(union))
            union.update(part)
        self.assertEqual(union, whole)

    def test_text_reports_and_summary(self):
        counter, ports = start_targets(self, 2, delay=0)
        path, where = write_targets(self, ports, 6, json_every=0)
        code, out, err, _ = probe(None, "--targets", path)
        self.assertEqual((code, err), (3, ""))
        self.assertEqual(out.count("\nprobe:    http://127.0.0.1:") + out.startswith("probe:    "), 6)
        self.assertIn("probe:    http://127.0.0.1:%d/t/0 (line %d)\n" % (ports[0], where[0]), out)
        self.assertTrue(out.endswith("targets:  6: 2 fail, 0 error, 2 inconclusive, 2 pass (--fail-on high)\n"), out)

    def test_sarif(self):
        counter, ports = start_targets(self, 3, delay=0)
        path, where = write_targets(self, ports, 12)
        sarif = path + ".sarif"
        self.addCleanup(lambda: os.path.exists(sarif) and os.remove(sarif))
        code, out, err, _ = probe(None, "--targets", path, "--json", "--sarif", sarif)
        self.assertEqual((code, err), (3, ""))
        with open(sarif) as f:
            log = json.load(f)
        self.assertEqual((log["version"], log["$schema"]),
                         ("2.1.0", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                                   "sarif-schema-2.1.0.json"))
        self.assertEqual(len(log["runs"]), 1)
        run = log["runs"][0]
        driver = run["tool"]["driver"]
        self.assertEqual(driver["name"], "corshdr probe")
        rule_ids = [r["id"] for r in driver["rules"]]
        self.assertEqual(len(rule_ids), len(set(rule_ids)))
        self.assertIn("CORS-ORIGIN-SIBLING-CREDENTIALS", rule_ids)
        for rule in driver["rules"]:
            self.assertTrue(rule["shortDescription"]["text"])
            self.assertIn(rule["defaultConfiguration"]["level"], ("error", "warning", "note"))
            self.assertRegex(rule["properties"]["security-severity"], r"^\d+\.\d$")
        reports = records(out)
        expected = sorted((r["url"], f["id"]) for r in reports for f in r["findings"])
        got = sorted((x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], x["ruleId"])
                     for x in run["results"])
        self.assertEqual(got, expected)
        levels = {"critical": "error", "high": "error", "medium": "warning", "low": "warning", "info": "note"}
        for x in run["results"]:
            self.assertEqual(driver["rules"][x["ruleIndex"]]["id"], x["ruleId"])
            self.assertEqual(x["level"], levels[x["properties"]["severity"]])
            self.assertTrue(x["message"]["text"] and x["partialFingerprints"]["corshdrProbe/v1"])
        invocation = run["invocations"][0]
        self.assertTrue(invocation["executionSuccessful"])
        inconclusive = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "warning"]
        self.assertEqual(len(inconclusive), sum(1 for r in reports if r["result"] == "inconclusive"))
        # A log that cannot be written is an error, and leaves no file behind.
        missing = os.path.join(tempfile.gettempdir(), "corshdr-no-such-dir", "x.sarif")
        code, out, err, _ = probe(None, "--targets", path, "--json", "--sarif", missing)
        self.assertEqual(code, 1)
        self.assertIn("corshdr: probe: --sarif '%s': cannot create its temporary file" % missing, err)
        self.assertFalse(os.path.exists(missing))

    def test_one_target_past_its_deadline(self):
        counter, ports = start_targets(self, 1, delay=0, stall=True)
        fd, path = tempfile.mkstemp(prefix="corshdr-targets-")
        self.addCleanup(os.remove, path)
        base = "http://127.0.0.1:%d/t/" % ports[0]
        with os.fdopen(fd, "w") as f:
            f.write("%s1\n%s4/stall\n%s7\n" % (base, base, base))
        code, out, err, seconds, _ = measured("probe", "--targets", path, "--json", "--deadline", "2",
                                              "--timeout", "30")
        self.assertEqual((code, err), (1, ""))
        got = records(out)
        self.assertEqual([r["result"] for r in got], ["pass", "error", "pass"])
        self.assertIn("no answer to request 'origin-null' (GET) within the deadline of 2 s (--deadline)",
                      got[1]["error"])
        self.assertEqual((got[1]["line"], got[1]["unreachable"]), (2, False))
        self.assertLess(seconds, 10)

    def test_progress_line_on_a_terminal(self):
        counter, ports = start_targets(self, 2, delay=0)
        path, where = write_targets(self, ports, 8)
        master, slave = pty.openpty()
        proc = subprocess.Popen([CORSHDR, "probe", "--targets", path, "--json"], stdout=subprocess.PIPE,
                                stderr=slave)
        os.close(slave)
        reports = []
        reader = threading.Thread(target=lambda: reports.append(proc.stdout.read()))
        reader.start()
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break  # EIO: the probe exited and closed the terminal
            if not chunk:
                break
            seen += chunk
        reader.join()
        out = reports[0]
        proc.stdout.close()
        self.assertEqual(proc.wait(30), 3)
        os.close(master)
        text = seen.decode("ascii")
        self.assertIn("corshdr probe: ", text)
        self.assertRegex(text, r"\d+/8 targets done, \d+ requests in flight, 0 not probed")
        self.assertTrue(text.endswith("\r"), repr(text[-80:]))  # the line is cleared at the end
        self.assertEqual(len(out.splitlines()), 8)
        # Not on a terminal, and not with --no-progress.
        code, out, err, _ = probe(None, "--targets", path, "--json")
        self.assertEqual(err, "")

    def test_targets_file_errors(self):
        def run(text, *extra):
            fd, path = tempfile.mkstemp(prefix="corshdr-targets-")
            self.addCleanup(os.remove, path)
            with os.fdopen(fd, "wb") as f:
                f.write(text)
            code, out, err, _ = probe(None, "--targets", path, *extra)
            self.assertEqual((code, out), (2, ""), err)
            self.assertEqual(err.count("\n"), 1, err)
            return err.replace(path, "FILE")

        self.assertEqual(run(b"# nothing\n\n"), "corshdr: probe: --targets FILE: no target in it\n")
        self.assertEqual(run(b"http://127.0.0.1/\nftp://x/\n"),
                         "corshdr: probe: FILE:2: URL 'ftp://x/': only http and https URLs can be probed\n")
        self.assertEqual(run(b"http://a b/\n"),
                         "corshdr: probe: --targets FILE:1: 'http://a b/': a URL has no space or control byte "
                         "(byte 9)\n")
        self.assertEqual(run(b'{"url": "http://127.0.0.1/", "cookie": "x"}\n'),
                         "corshdr: probe: --targets FILE:1: unknown key \"cookie\" (expected url, origin, method, "
                         "credentials, request_headers)\n")
        self.assertEqual(run(b'{"origin": "https://a.example"}\n'),
                         "corshdr: probe: --targets FILE:1: the object has no \"url\"\n")
        self.assertIn("--targets FILE:1: not a JSON object", run(b'{"url": \n'))
        err = run(b'{"url": "http://127.0.0.1/", "origin": "https://App.example"}\n')
        self.assertTrue(err.startswith("corshdr: probe: FILE:1: origin 'https://App.example': "), err)
        err = run(b'{"url": "http://127.0.0.1/", "credentials": "\\u001b[31m"}\n')
        self.assertEqual(err, "corshdr: probe: FILE:1: credentials '\\x1B[31m': expected omit, same-origin or "
                              "include\n")
        self.assertIn("longer than 16384 bytes (the limit of a line)", run(b"http://x/" + b"a" * 20000 + b"\n"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_probe.py PATH/TO/corshdr [unittest options]")
    CORSHDR = os.path.abspath(sys.argv.pop(1))
    try:
        unittest.main()
    finally:
        if "dir" in GO_BUILD:
            shutil.rmtree(GO_BUILD["dir"], True)
