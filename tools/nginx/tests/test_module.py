"""Tests of ngx_http_corshdr_module inside Debian's nginx: real requests on loopback, `nginx -t` on bad
configurations, and `corshdr probe` against the module.

    /usr/bin/python3 tools/nginx/tests/test_module.py MODULE.so PATH/TO/corshdr [unittest options]

Run through tools/nginx/test.sh, which builds the module first. Standard library only. nginx runs as the
current user in a temporary prefix (no root paths), on free 127.0.0.1 ports, and is stopped afterwards,
also when a test fails. Requests are written byte for byte on a socket, so that header lines can be
repeated, split and malformed as a hostile client would; answers are read whole (Connection: close) and
their header lines compared exactly, in order.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

MODULE = None   # set from argv in __main__
CORSHDR = None
NGINX = "/usr/sbin/nginx"
CURL = shutil.which("curl") or "curl"
HERE = os.path.dirname(os.path.abspath(__file__))

APP = "https://app.example.com"
VARY = ("Vary", "Origin")
VARY_OPTIONS = ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
EXPOSE = ("Access-Control-Expose-Headers", "X-Request-Id")
CRED = ("Access-Control-Allow-Credentials", "true")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def temp_paths(prefix):
    """Every temporary path under the prefix, for the modules this nginx has (never /var/lib/nginx)."""
    built = subprocess.run([NGINX, "-V"], capture_output=True, text=True).stderr
    paths = ["client_body_temp_path %s/body;" % prefix]
    for module in ("proxy", "fastcgi", "uwsgi", "scgi"):
        if "--without-http_%s_module" % module not in built:
            paths.append("%s_temp_path %s/%s;" % (module, prefix, module))
    return " ".join(paths)


class Response:
    def __init__(self, raw):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split(" ")[1])
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name, value.strip(" \t")))

    def cors(self):
        """The lines the module writes or drops: Access-Control-*, Vary, Corshdr-Reason, in order."""
        return [(n, v) for n, v in self.headers
                if n.lower().startswith("access-control-") or n.lower() in ("vary", "corshdr-reason")]

    def get(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]


def send(port, method, path, lines=(), raw_lines=b""):
    """One request on a fresh connection: lines are (name, value) pairs written as they are, in order."""
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % (n, v) for n, v in lines)
    data = head.encode("latin-1") + raw_lines + b"Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return Response(b"".join(chunks))


def preflight(port, path, origin, method, *acrh):
    lines = [("Origin", origin), ("Access-Control-Request-Method", method)]
    lines += [("Access-Control-Request-Headers", v) for v in acrh]
    return send(port, "OPTIONS", path, lines)


def reason(code):
    """The Corshdr-Reason line of debug mode (the library's static text)."""
    texts = {
        "EORIGIN": "EORIGIN: the Origin is not a serialized origin",
        "EREPEATED": "EREPEATED: a CORS request header on two lines",
        "ENULL": "ENULL: the null origin is not allowed",
        "EACAO": "EACAO: origin not allowed",
        "EMETHOD": "EMETHOD: method not allowed",
        "EHEADER": "EHEADER: a requested header is not allowed",
        "EAUTHORIZATION": "EAUTHORIZATION: Authorization must be allowed by name",
        "ELIST": "ELIST: Access-Control-Request-Headers or -Method is malformed or too long",
    }
    return ("Corshdr-Reason", texts[code])


class Server(unittest.TestCase):
    """Requests to one nginx with the module: tools/nginx/tests/server.conf.in."""

    @classmethod
    def setUpClass(cls):
        cls.prefix = tempfile.mkdtemp(prefix="corshdr-nginx-module-")
        www = os.path.join(cls.prefix, "www")
        os.makedirs(os.path.join(www, "errors"))
        with open(os.path.join(www, "data.json"), "w") as f:
            f.write('{"ok": true}\n')
        with open(os.path.join(www, "errors", "404.json"), "w") as f:
            f.write('{"error": "not found"}\n')
        with open(os.path.join(cls.prefix, "htpasswd"), "w") as f:
            f.write("user:{PLAIN}secret\n")
        cls.port, cls.port_h2, cls.port3, cls.backend = free_port(), free_port(), free_port(), free_port()
        with open(os.path.join(HERE, "server.conf.in")) as f:
            conf = f.read()
        for key, value in (("@MODULE@", MODULE), ("@PREFIX@", cls.prefix), ("@PORT@", str(cls.port)), ("@PORT_H2@", str(cls.port_h2)),
                           ("@PORT3@", str(cls.port3)), ("@BACKEND@", str(cls.backend)),
                           ("@TEMP_PATHS@", temp_paths(cls.prefix))):
            conf = conf.replace(key, value)
        cls.conf = os.path.join(cls.prefix, "nginx.conf")
        with open(cls.conf, "w") as f:
            f.write(conf)
        cls.log = open(os.path.join(cls.prefix, "stderr.log"), "wb")
        cls.proc = subprocess.Popen([NGINX, "-p", cls.prefix, "-e", os.path.join(cls.prefix, "error.log"),
                                     "-c", cls.conf], stdin=subprocess.DEVNULL, stdout=cls.log, stderr=cls.log)
        deadline = time.monotonic() + 15
        for port in (cls.port, cls.port_h2, cls.port3, cls.backend):
            while True:
                if cls.proc.poll() is not None:
                    with open(os.path.join(cls.prefix, "stderr.log")) as f:
                        raise AssertionError("nginx did not start: " + f.read())
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError("nginx does not listen on %d" % port)
                    time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait(5)
        cls.log.close()
        with open(os.path.join(cls.prefix, "error.log"), "rb") as f:
            errors = [l for l in f.read().decode("latin-1").splitlines() if "[alert]" in l or "[crit]" in l]
        shutil.rmtree(cls.prefix, True)
        if errors:
            raise AssertionError("nginx logged: %s" % errors)

    def get(self, path, origin=None, extra=(), port=None):
        lines = ([("Origin", origin)] if origin is not None else []) + list(extra)
        return send(port or self.port, "GET", path, lines)

    # ---- actual requests ----

    def test_allowed_origin_with_credentials(self):
        for origin in (APP, "https://admin.example.com"):
            r = self.get("/data.json", origin)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, b'{"ok": true}\n')
            self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", origin), CRED, EXPOSE, VARY])

    def test_refused_origins_get_only_vary(self):
        for origin in ("https://evil.invalid", "http://app.example.com", "https://app.example.com:8443",
                       "https://example.com"):
            r = self.get("/data.json", origin)
            self.assertEqual((r.status, r.cors()), (200, [VARY]), origin)
            r = self.get("/debug/data.json", origin)
            self.assertEqual(r.cors(), [VARY, reason("EACAO")], origin)

    def test_not_cors_untouched_but_vary(self):
        """No Origin: the answer is the one without the module (corshdr off) plus Vary: Origin."""
        with_module = self.get("/data.json")
        without = self.get("/off/data.json")
        strip = lambda r: [(n, v) for n, v in r.headers if n != "Date"]
        self.assertEqual(with_module.cors(), [VARY])
        self.assertEqual([h for h in strip(with_module) if h != VARY], strip(without))
        self.assertEqual(with_module.body, without.body)

    def test_off_location(self):
        r = self.get("/off/data.json", APP)
        self.assertEqual((r.status, r.cors()), (200, []))
        r = preflight(self.port, "/off/data.json", APP, "PUT")
        self.assertEqual((r.status, r.cors()), (405, []))  # nginx's static module: OPTIONS not allowed
        # `corshdr on` below it: the server's policy again
        r = self.get("/off/on/data.json", APP)
        self.assertEqual((r.status, r.cors()), (200, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]))

    def test_bypass_attempts_on_exact_origins(self):
        """Each of these is some other site, or an Origin no browser sends: never allowed."""
        cases = {
            "https://app.example.com.evil.invalid": "EACAO",  # prefix: starts with the allowed host
            "https://evilapp.example.com": "EACAO",            # suffix
            "https://evil-app.example.com": "EACAO",
            "https://appxexample.com": "EACAO",                # unescaped dot
            "https://app.example.co": "EACAO",                 # part of the host
            "https://pp.example.com": "EACAO",
            "https://APP.EXAMPLE.COM": "EORIGIN",              # case: browsers send lowercase
            "HTTPS://app.example.com": "EORIGIN",
            "https://app.example.com.": "EACAO",              # trailing dot: another host to a browser
            "https://user@app.example.com": "EORIGIN",         # userinfo is no part of an origin
            "https://app.example.com@evil.invalid": "EORIGIN",
            "https://app.example.com/": "EORIGIN",             # a path or a trailing slash
            "https://app.example.com:443": "EORIGIN",          # the default port is never serialized
            "https://app.example.com%0d%0aX-Injected: 1": "EORIGIN",
            "https://app.example.com, https://evil.invalid": "EORIGIN",
            "null": "ENULL",
            "": "EORIGIN",
        }
        for origin, code in cases.items():
            r = self.get("/debug/data.json", origin)
            self.assertEqual((r.status, r.cors()), (200, [VARY, reason(code)]), origin)
            r = preflight(self.port, "/debug/data.json", origin, "PUT")
            self.assertEqual((r.status, r.cors(), r.body), (403, [VARY_OPTIONS, reason(code)], b""), origin)

    def test_origin_on_two_lines_is_refused(self):
        r = self.get("/debug/data.json", APP, [("Origin", APP)])
        self.assertEqual(r.cors(), [VARY, reason("EREPEATED")])

    def test_subdomain_pattern(self):
        """https://*.example.com: one or more labels before example.com; https://example.org:* any port."""
        for origin in ("https://a.example.com", "https://a.b.example.com", "https://app.example.com",
                       "https://xn--bcher-kva.example.com", "https://example.org", "https://example.org:8443"):
            r = self.get("/sub/data.json", origin)
            self.assertEqual((r.status, r.cors()),
                             (200, [("Access-Control-Allow-Origin", origin), EXPOSE, VARY]), origin)
        cases = {
            "https://example.com": "EACAO",                   # the base itself is not a subdomain
            "https://evilexample.com": "EACAO",               # suffix without the dot
            "https://a.example.com.evil.invalid": "EACAO",    # prefix
            "https://aexample.com": "EACAO",
            "https://a.examplexcom": "EACAO",                 # unescaped dot
            "https://a.example.co": "EACAO",
            "http://a.example.com": "EACAO",                  # another scheme
            "https://a.example.com:8443": "EACAO",            # another port (no :* on this pattern)
            "https://A.example.com": "EORIGIN",               # case
            "https://a.EXAMPLE.com": "EORIGIN",
            "https://a.example.com.": "EACAO",                # trailing dot
            "https://.example.com": "EORIGIN",                # an empty label
            "https://a..example.com": "EORIGIN",
            "https://user@a.example.com": "EORIGIN",          # userinfo
            "https://a.example.com@evil.invalid": "EORIGIN",
            "https://evil.invalid#.example.com": "EORIGIN",
            "https://evil.invalid/.example.com": "EORIGIN",
            "https://evil.invalid?.example.com": "EORIGIN",
            "https://evil.invalid\\.example.com": "EORIGIN",
            "https://[::1]": "EACAO",
            "https://example.org.evil.invalid": "EACAO",      # the :* pattern's host, as a prefix
            "https://a.example.org": "EACAO",                 # no subdomains there
            "https://example.org:443": "EORIGIN",             # default port spelled out
        }
        for origin, code in cases.items():
            r = self.get("/sub/data.json", origin)
            self.assertEqual((r.status, r.cors()), (200, [VARY, reason(code)]), origin)

    def test_wildcard_origin(self):
        r = self.get("/any/data.json", "https://anyone.invalid")
        # no Vary: the answer is the same for every origin; the server's exposed headers are inherited
        self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", "*"), EXPOSE])
        # without Origin the answer has no Access-Control-Allow-Origin: a cache that kept it for every
        # request would fail the CORS ones, so it varies on Origin (Fetch: CORS protocol and HTTP caches)
        r = self.get("/any/data.json")
        self.assertEqual(r.cors(), [VARY])
        r = preflight(self.port, "/any/data.json", "https://anyone.invalid", "PATCH", "x-anything")
        self.assertEqual((r.status, r.cors()), (204, [
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "*"),
            ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600"),
            ("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")]))
        # Fetch: `*` never covers Authorization
        r = preflight(self.port, "/any/data.json", "https://anyone.invalid", "GET", "x-anything, authorization")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EAUTHORIZATION")]))

    def test_null_origin(self):
        r = self.get("/null/data.json", "null")
        self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", "null"), EXPOSE, VARY])
        r = self.get("/data.json", "null")
        self.assertEqual(r.cors(), [VARY])

    # ---- preflights ----

    def test_preflight_allowed(self):
        r = preflight(self.port, "/data.json", APP, "PUT", "content-type", "x-trace-id")
        self.assertEqual(r.status_line, "HTTP/1.1 204 No Content")
        self.assertEqual(r.cors(), [
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Allow-Methods", "PUT, DELETE"),
            ("Access-Control-Allow-Headers", "Content-Type, X-Trace-Id"), ("Access-Control-Max-Age", "600"),
            VARY_OPTIONS])
        self.assertEqual((r.body, r.get("Content-Length"), r.get("Content-Type")), (b"", [], []))

    def test_http2(self):
        """Over HTTP/2 the module answers as over HTTP/1.1: the same lines in the same order (HTTP/2 names
        are lowercase), a preflight 204 without a body, a refusal 403. curl speaks HTTP/2 to nginx."""
        def h2(method, origin, *lines):
            cmd = [CURL, "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-D", "-", "-X", method,
                   "-H", "Origin: " + origin]
            for line in lines:
                cmd += ["-H", line]
            done = subprocess.run(cmd + ["http://127.0.0.1:%d/data.json" % self.port_h2], capture_output=True,
                                  timeout=20)
            self.assertEqual(done.returncode, 0, done.stderr)
            r = Response(done.stdout)
            self.assertEqual(r.status_line.split(" ")[0], "HTTP/2")
            return r
        lower = lambda lines: [(n.lower(), v) for n, v in lines]
        r = h2("GET", APP)
        self.assertEqual((r.status, r.cors()),
                         (200, lower([("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY])))
        r = h2("OPTIONS", APP, "Access-Control-Request-Method: PUT",
               "Access-Control-Request-Headers: content-type,x-trace-id")
        self.assertEqual((r.status, r.cors()), (204, lower([
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Allow-Methods", "PUT, DELETE"),
            ("Access-Control-Allow-Headers", "Content-Type, X-Trace-Id"), ("Access-Control-Max-Age", "600"),
            VARY_OPTIONS])))
        self.assertEqual(r.get("content-length"), [])
        r = h2("OPTIONS", "https://evil.invalid", "Access-Control-Request-Method: PUT")
        self.assertEqual((r.status, r.cors()), (403, lower([VARY_OPTIONS])))

    def test_preflight_on_a_path_that_does_not_exist(self):
        """The preflight is the policy's answer, whatever the location would serve."""
        r = preflight(self.port, "/no/such/file", APP, "DELETE")
        self.assertEqual((r.status, r.cors()), (204, [
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Allow-Methods", "PUT, DELETE"),
            ("Access-Control-Max-Age", "600"), VARY_OPTIONS]))

    def test_preflight_safelisted_method_no_headers(self):
        r = preflight(self.port, "/data.json", APP, "GET")
        self.assertEqual((r.status, r.cors()), (204, [
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Max-Age", "600"), VARY_OPTIONS]))

    def test_preflight_request_headers_on_several_lines(self):
        # allowed names spread over lines, with empty elements and odd case
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "CONTENT-TYPE", ",", " x-trace-id ,")
        self.assertEqual(r.status, 204)
        self.assertIn(("Access-Control-Allow-Headers", "Content-Type, X-Trace-Id"), r.cors())
        # a name not allowed on the third line refuses the whole preflight
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "content-type", "x-trace-id", "x-secret")
        self.assertEqual((r.status, r.cors(), r.body), (403, [VARY_OPTIONS, reason("EHEADER")], b""))
        self.assertEqual(r.get("Content-Length"), ["0"])
        # a malformed element on the second line
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "content-type", "x-trace id")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("ELIST")]))

    def test_preflight_refusals(self):
        r = preflight(self.port, "/debug/data.json", APP, "PATCH")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EMETHOD")]))
        r = preflight(self.port, "/debug/data.json", APP, "put")  # methods compare byte for byte
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EMETHOD")]))
        r = preflight(self.port, "/debug/data.json", "https://evil.invalid", "PUT")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EACAO")]))
        r = send(self.port, "OPTIONS", "/debug/data.json", [("Origin", APP), ("Access-Control-Request-Method", "PUT"),
                                                           ("Access-Control-Request-Method", "PUT")])
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EREPEATED")]))
        # refused without debug: no reason given
        r = preflight(self.port, "/data.json", APP, "PATCH")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS]))

    def test_hostile_request_headers(self):
        # 1024 empty elements are within the default limit; one more is refused
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "," * 1024 + "content-type")
        self.assertEqual(r.status, 204)
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "," * 1025 + "content-type")
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("ELIST")]))
        r = preflight(self.port, "/debug/data.json", APP, "PUT", "x" * 4096)
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EHEADER")]))
        # over 41 lines: 40 of 24 commas, joined by ", " (Fetch "get"), 1000 empty elements in all; with
        # 26 commas a line, 1080
        r = preflight(self.port, "/debug/data.json", APP, "PUT", *(["," * 24] * 40 + ["content-type"]))
        self.assertEqual(r.status, 204)
        r = preflight(self.port, "/debug/data.json", APP, "PUT", *(["," * 26] * 40 + ["content-type"]))
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("ELIST")]))

    def test_preflight_status_setting(self):
        r = preflight(self.port, "/status200/data.json", APP, "PUT")
        self.assertEqual((r.status_line, r.get("Content-Length"), r.body), ("HTTP/1.1 200 OK", ["0"], b""))
        self.assertEqual(r.cors()[0], ("Access-Control-Allow-Origin", APP))

    def test_plain_options_is_the_applications(self):
        """OPTIONS with Origin and no Access-Control-Request-Method is no preflight: nginx's static module
        answers 405, and the module adds the lines of an actual request."""
        r = send(self.port, "OPTIONS", "/data.json", [("Origin", APP)])
        self.assertEqual((r.status, r.cors()), (405, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE,
                                                       VARY_OPTIONS]))
        r = send(self.port, "OPTIONS", "/data.json")
        self.assertEqual((r.status, r.cors()), (405, [VARY_OPTIONS]))

    def test_preflight_before_authentication(self):
        """Browsers send preflights without credentials: the module answers before auth_basic."""
        r = preflight(self.port, "/auth/data.json", APP, "PUT", "content-type")
        self.assertEqual(r.status, 204)
        r = self.get("/auth/data.json", APP)
        self.assertEqual((r.status, r.cors()), (401, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]))
        r = self.get("/auth/data.json", APP, [("Authorization", "Basic dXNlcjpzZWNyZXQ=")])
        self.assertEqual((r.status, r.cors()), (200, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]))

    # ---- the application's lines, error pages, proxied answers ----

    def test_vary_merged_with_the_applications(self):
        r = self.get("/vary/data.json", APP)
        self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY,
                                    ("Vary", "Accept-Encoding")])
        r = self.get("/vary/data.json")
        self.assertEqual(r.cors(), [VARY, ("Vary", "Accept-Encoding")])

    def test_error_pages_carry_the_lines(self):
        for path, status in (("/missing.json", 404), ("/error500", 500), ("/custom404/missing", 404)):
            r = self.get(path, APP)
            self.assertEqual((r.status, r.cors()),
                             (status, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]), path)
            r = self.get(path, "https://evil.invalid")
            self.assertEqual((r.status, r.cors()), (status, [VARY]), path)
        r = self.get("/custom404/missing", APP)
        self.assertEqual(r.body, b'{"error": "not found"}\n')  # error_page's own page

    def test_proxied_answers(self):
        """The backend's own Access-Control-* lines are dropped: only the policy speaks; its Vary stays."""
        r = self.get("/proxy/anything", APP)
        self.assertEqual((r.status, r.body, r.get("X-Backend")), (200, b"backend\n", ["yes"]))
        self.assertEqual(r.cors(), [("Vary", "Cookie"), ("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY])
        r = self.get("/proxy/anything", "https://evil.invalid")
        self.assertEqual((r.status, r.cors()), (200, [("Vary", "Cookie"), VARY]))
        r = preflight(self.port, "/proxy/anything", APP, "DELETE")
        self.assertEqual((r.status, r.get("X-Backend")), (204, []))  # answered here, never proxied

    # ---- odd requests ----

    def test_many_header_lines(self):
        """More lines than the module keeps on its stack (64): spans from the request pool, same answer."""
        filler = [("X-Filler-%d" % i, "v") for i in range(200)]
        r = send(self.port, "GET", "/data.json", filler + [("Origin", APP)])
        self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY])
        r = send(self.port, "OPTIONS", "/debug/data.json", filler[:100] + [
            ("Origin", APP), ("Access-Control-Request-Method", "PUT")] + filler[100:] + [
            ("Access-Control-Request-Headers", "content-type"), ("Access-Control-Request-Headers", "x-nope")])
        self.assertEqual((r.status, r.cors()), (403, [VARY_OPTIONS, reason("EHEADER")]))

    def test_requests_nginx_refuses_itself(self):
        """nginx's own 400 answers go through the filter too: the server's policy applied to the lines read
        before the error, and no crash (the method or the header list may not exist yet)."""
        allowed = [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]
        for raw, cors in ((b"GARBAGE\r\n\r\n", [VARY]),
                          (b"GET /data.json HTTP/1.1\r\nOrigin: " + APP.encode() + b"\r\n\x00bad\r\n\r\n", allowed),
                          (b"GET /data.json HTTP/1.1\r\nOrigin: " + APP.encode() + b"\r\nHost: a\r\nHost: b\r\n\r\n",
                           allowed),
                          (b"GET /data.json HTTP/1.1\r\nOrigin: https://evil.invalid\r\n\x00bad\r\n\r\n", [VARY])):
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                s.sendall(raw)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            r = Response(data)
            self.assertEqual((r.status_line, r.cors()), ("HTTP/1.1 400 Bad Request", cors), raw)
        # HTTP/0.9 has no header lines at all, HTTP/1.0 has no Host
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET /data.json\r\n")
            self.assertEqual(s.recv(65536), b'{"ok": true}\n')
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET /data.json HTTP/1.0\r\nOrigin: https://app.example.com\r\n\r\n")
            r = Response(s.recv(65536))
        self.assertEqual((r.status, r.cors()), (200, [("Access-Control-Allow-Origin", APP), CRED, EXPOSE, VARY]))
        # and the server still answers
        self.assertEqual(self.get("/data.json", APP).status, 200)

    # ---- inheritance ----

    def test_inheritance(self):
        # /nested/ replaces the methods and keeps the server's origins, credentials, headers and max-age
        r = preflight(self.port, "/nested/data.json", APP, "PATCH", "x-trace-id")
        self.assertEqual((r.status, r.cors()), (204, [
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Allow-Methods", "PATCH"),
            ("Access-Control-Allow-Headers", "Content-Type, X-Trace-Id"), ("Access-Control-Max-Age", "600"),
            VARY_OPTIONS]))
        r = preflight(self.port, "/nested/data.json", APP, "PUT")
        self.assertEqual(r.status, 403)
        # /nested/inner/ inherits /nested/'s and sets max-age -1: Access-Control-Max-Age: 0 (no caching)
        r = preflight(self.port, "/nested/inner/data.json", APP, "PATCH")
        self.assertEqual((r.status, r.cors()), (204, [
            ("Access-Control-Allow-Origin", APP), CRED, ("Access-Control-Allow-Methods", "PATCH"),
            ("Access-Control-Max-Age", "0"), VARY_OPTIONS]))
        # a server that sets nothing has the http level's policy
        r = self.get("/data.json", "https://http-level.example.com", port=self.port3)
        self.assertEqual(r.cors(), [("Access-Control-Allow-Origin", "https://http-level.example.com"),
                                    ("Access-Control-Expose-Headers", "X-Http-Level"), VARY])
        r = self.get("/data.json", APP, port=self.port3)
        self.assertEqual(r.cors(), [VARY])

    # ---- the probe ----

    def probe(self, path, *args):
        done = subprocess.run([CORSHDR, "probe", "--json", "--origin", APP, *args,
                               "http://127.0.0.1:%d%s" % (self.port, path)], capture_output=True, timeout=120)
        self.assertEqual(done.stderr, b"")
        return done.returncode, json.loads(done.stdout)

    def test_probe_finds_nothing_above_info(self):
        code, report = self.probe("/data.json", "--method", "PUT", "--request-headers", "content-type",
                                  "--credentials", "include", "--fail-on", "low")
        # nothing above info is the requirement; this policy gets no finding at all
        self.assertEqual([(f["id"], f["severity"]) for f in report["findings"]], [])
        self.assertEqual((code, report["result"], report["failed"]), (0, "pass", False))
        self.assertEqual(report["counts"], {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0})
        self.assertGreaterEqual(len(report["requests"]), 40)

    def test_probe_sees_a_subdomain_pattern(self):
        """https://*.example.com trusts every sibling of app.example.com, without credentials: low."""
        code, report = self.probe("/sub/data.json", "--method", "GET")
        above = sorted(f["id"] for f in report["findings"] if f["severity"] != "info")
        self.assertEqual(above, ["CORS-ORIGIN-SIBLING"])
        self.assertEqual(code, 0)


# ---- nginx -t --------------------------------------------------------------------------------------------

class ConfigTest(unittest.TestCase):
    """Configurations `nginx -t` must refuse, each problem on its own line with the library's code and
    message and the directive's file:line."""

    def setUp(self):
        self.prefix = tempfile.mkdtemp(prefix="corshdr-nginx-t-")
        self.addCleanup(shutil.rmtree, self.prefix, True)

    def nginx_t(self, http_body):
        """nginx -t on a configuration whose http block is http_body; (exit status, stderr lines, path)."""
        path = os.path.join(self.prefix, "nginx.conf")
        head = ("load_module %s;\npid %s/nginx.pid;\nevents {\n    worker_connections 16;\n}\nhttp { %s\n"
                % (MODULE, self.prefix, temp_paths(self.prefix)))
        with open(path, "wb") as f:
            f.write((head + http_body + "}\n").encode("latin-1"))  # one byte per code point
        done = subprocess.run([NGINX, "-t", "-p", self.prefix, "-e", os.path.join(self.prefix, "error.log"),
                               "-c", path], capture_output=True, timeout=60)
        return done.returncode, done.stderr.decode("latin-1").splitlines(), path

    def refused(self, http_body, *expected):
        """expected: the corshdr lines, in order, as (code, message without the location, line number)."""
        code, lines, path = self.nginx_t(http_body)
        self.assertNotEqual(code, 0, lines)
        got = [l for l in lines if l.startswith("nginx: [emerg] corshdr: ")]
        want = ["nginx: [emerg] corshdr: %s: %s in %s:%d" % (c, m, path, n) for c, m, n in expected]
        self.assertEqual(got, want)
        self.assertEqual(lines[-1], "nginx: configuration file %s test failed" % path)

    def accepted(self, http_body):
        code, lines, path = self.nginx_t(http_body)
        self.assertEqual(code, 0, lines)
        self.assertEqual(lines[-1], "nginx: configuration file %s test is successful" % path)

    # The http block starts on line 7 of the file (nginx_t's head has 6 lines).

    def test_ewildcard(self):
        self.refused("corshdr_allow_credentials on;\ncorshdr_allow_origin *;\n",
                     ("EWILDCARD", 'corshdr_allow_origin "*" (with corshdr_allow_credentials on in %s:7): '
                      "named origins: `*` fails with credentials" % os.path.join(self.prefix, "nginx.conf"), 8))

    def test_ewildcard_headers_and_expose(self):
        conf = os.path.join(self.prefix, "nginx.conf")
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_credentials on;\n"
                     "corshdr_allow_headers *;\ncorshdr_expose_headers *;\n",
                     ("EWILDCARD", 'corshdr_allow_headers "*" (with corshdr_allow_credentials on in %s:8): '
                      "named headers: `*` means nothing with credentials" % conf, 9),
                     ("EWILDCARD", 'corshdr_expose_headers "*" (with corshdr_allow_credentials on in %s:8): '
                      "named headers: `*` means nothing with credentials" % conf, 10))

    def test_enull(self):
        self.refused("corshdr_allow_origin https://app.example.com null;\n",
                     ("ENULL", 'corshdr_allow_origin "null": no `null` entry: set allow_null, knowing any '
                      "sandboxed page sends it", 7))

    def test_enull_with_credentials(self):
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_credentials on;\n"
                     "corshdr_allow_null_origin on;\n",
                     ("ENULL", 'corshdr_allow_null_origin "on" (with corshdr_allow_credentials on in %s:8): the '
                      "null origin only without credentials: any page can send it (a sandboxed iframe)"
                      % os.path.join(self.prefix, "nginx.conf"), 9))

    def test_einsecure(self):
        self.refused("corshdr_allow_origin http://app.example.com;\ncorshdr_allow_credentials on;\n",
                     ("EINSECURE", 'corshdr_allow_origin "http://app.example.com" (with corshdr_allow_credentials '
                      "on in %s:8): https: anyone on the network path can act as an http origin"
                      % os.path.join(self.prefix, "nginx.conf"), 7))

    def test_loopback_http_with_credentials_is_accepted(self):
        self.accepted("corshdr_allow_origin http://localhost:8080 http://127.0.0.1:3000 http://*.localhost:*;\n"
                      "corshdr_allow_credentials on;\n")

    def test_epublicsuffix(self):
        """libpsl: co.uk (ICANN section) and github.io (private section) are public suffixes."""
        msg = 'a registrable domain after "*.": anyone can register a name under a public suffix'
        self.refused("corshdr_allow_origin https://*.co.uk https://*.example.co.uk;\n"
                     "server {\n    corshdr_allow_origin https://*.github.io https://*.com;\n}\n",
                     ("EPUBLICSUFFIX", 'corshdr_allow_origin "https://*.github.io": ' + msg, 9),
                     ("EPUBLICSUFFIX", 'corshdr_allow_origin "https://*.com": ' + msg, 9),
                     ("EPUBLICSUFFIX", 'corshdr_allow_origin "https://*.co.uk": ' + msg, 7))

    def test_ecanonical(self):
        msg = "the origin as browsers send it: lowercase, no default port, no path or trailing slash"
        self.refused("corshdr_allow_origin https://App.example.com https://app.example.com:443\n"
                     "                     https://app.example.com/ https://app.example.com/api;\n",
                     *[("ECANONICAL", 'corshdr_allow_origin "%s": %s' % (o, msg), 8) for o in
                       ("https://App.example.com", "https://app.example.com:443", "https://app.example.com/",
                        "https://app.example.com/api")])

    def test_ecanonical_method(self):
        """Browsers upper-case the six standard methods; `put` would never match, `patch` is sent as is."""
        msg = "DELETE, GET, HEAD, OPTIONS, POST, PUT in uppercase: browsers send them so"
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_methods put PATCH patch Delete;\n",
                     ("ECANONICAL", 'corshdr_allow_methods "put": ' + msg, 8),
                     ("ECANONICAL", 'corshdr_allow_methods "Delete": ' + msg, 8))

    def test_eorigin(self):
        msg = "a serialized origin (scheme://host[:port]) or a pattern (https://*.example.com, :*)"
        self.refused("corshdr_allow_origin app.example.com https://*.127.0.0.1 \"https://a b.example\";\n",
                     ("EORIGIN", 'corshdr_allow_origin "app.example.com" at byte 15: ' + msg, 7),
                     ("EORIGIN", 'corshdr_allow_origin "https://*.127.0.0.1" at byte 8: ' + msg, 7),
                     ("EORIGIN", 'corshdr_allow_origin "https://a b.example" at byte 9: ' + msg, 7))

    def test_emethod(self):
        msg = "a method browsers can send (not CONNECT, TRACE, TRACK)"
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_methods PUT TRACE CONNECT;\n",
                     ("EMETHOD", 'corshdr_allow_methods "TRACE": ' + msg, 8),
                     ("EMETHOD", 'corshdr_allow_methods "CONNECT": ' + msg, 8))

    def test_eforbidden(self):
        msg = "a name scripts can send (Fetch forbids this one)"
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_headers Cookie Sec-Fetch-Mode;\n",
                     ("EFORBIDDEN", 'corshdr_allow_headers "Cookie": ' + msg, 8),
                     ("EFORBIDDEN", 'corshdr_allow_headers "Sec-Fetch-Mode": ' + msg, 8))

    def test_eheader(self):
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_expose_headers X-Id Set-Cookie;\n",
                     ("EHEADER", 'corshdr_expose_headers "Set-Cookie": a readable header: Set-Cookie never is', 8))

    def test_emaxage(self):
        msg = "a max_age of -1 to 86400 seconds (Firefox's cap; Chromium keeps 7200 at most)"
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_max_age 86401;\n",
                     ("EMAXAGE", 'corshdr_max_age "86401": ' + msg, 8))
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_max_age -2;\n",
                     ("EMAXAGE", 'corshdr_max_age "-2": ' + msg, 8))

    def test_estatus(self):
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_preflight_status 302;\n",
                     ("ESTATUS", 'corshdr_preflight_status "302": a preflight status of 200-299 (browsers fail '
                      "any other)", 8))

    def test_etoken(self):
        self.refused("corshdr_allow_origin https://app.example.com;\ncorshdr_allow_methods \"P(T\";\n"
                     "corshdr_allow_headers \"x-id\" \"x@id\" \"\";\ncorshdr_expose_headers \"x y\";\n",
                     ("ETOKEN", 'corshdr_allow_methods "P(T" at byte 1: a method token', 8),
                     ("ETOKEN", 'corshdr_allow_headers "x@id" at byte 1: a header name token', 9),
                     ("EEMPTY", 'corshdr_allow_headers "": a header name token', 9),
                     ("ETOKEN", 'corshdr_expose_headers "x y" at byte 1: a header name token', 10))

    def test_every_problem_of_every_level_once(self):
        """Problems at every level in one run; an entry that several levels inherit is reported once."""
        conf = os.path.join(self.prefix, "nginx.conf")
        self.refused("corshdr_allow_origin https://*.co.uk;\n"                        # 7
                     "server {\n"                                                      # 8
                     "    corshdr_allow_methods TRACE;\n"                              # 9
                     "    location /a/ {\n"                                            # 10
                     "        corshdr_max_age 100000;\n"                               # 11
                     "    }\n"                                                         # 12
                     "    location /b/ {\n"                                            # 13
                     "        corshdr_allow_origin https://ok.example.com null;\n"     # 14
                     "    }\n"                                                         # 15
                     "}\n"                                                             # 16
                     "server {\n"                                                      # 17
                     "    corshdr_debug on;\n"                                         # 18
                     "}\n",                                                            # 19
                     ("EPUBLICSUFFIX", 'corshdr_allow_origin "https://*.co.uk": a registrable domain after "*.": '
                      "anyone can register a name under a public suffix", 7),
                     ("EMETHOD", 'corshdr_allow_methods "TRACE": a method browsers can send (not CONNECT, '
                      "TRACE, TRACK)", 9),
                     ("EMAXAGE", 'corshdr_max_age "100000": a max_age of -1 to 86400 seconds (Firefox\'s cap; '
                      "Chromium keeps 7200 at most)", 11),
                     ("ENULL", 'corshdr_allow_origin "null": no `null` entry: set allow_null, knowing any '
                      "sandboxed page sends it", 14))
        self.assertTrue(conf)

    def test_escaped_entries(self):
        self.refused('corshdr_allow_origin "https://a\\"\x01\x7f\xff.example";\n',
                     ("EORIGIN", 'corshdr_allow_origin "https://a\\x22\\x01\\x7f\\xff.example" at byte 9: '
                      "a serialized origin (scheme://host[:port]) or a pattern (https://*.example.com, :*)", 7))

    def test_syntax_errors(self):
        for body, message in (
                ("corshdr_max_age ten;\n",
                 'invalid value "ten" in "corshdr_max_age" directive, it must be a number of seconds (-1 to 86400)'),
                ("corshdr_preflight_status -204;\n",
                 'invalid value "-204" in "corshdr_preflight_status" directive, it must be a status code '
                 "(200 to 299)"),
                ("corshdr_debug yes;\n", 'invalid value "yes" in "corshdr_debug" directive, it must be "on" or "off"'),
                ("corshdr_max_age 1;\ncorshdr_max_age 2;\n", '"corshdr_max_age" directive is duplicate'),
                ("corshdr_allow_origin;\n", 'invalid number of arguments in "corshdr_allow_origin" directive')):
            code, lines, path = self.nginx_t(body)
            line = 7 + body.count("\n") - 1
            self.assertNotEqual(code, 0)
            self.assertEqual(lines[0], "nginx: [emerg] %s in %s:%d" % (message, path, line), body)

    def test_good_configurations(self):
        self.accepted("corshdr_allow_origin https://app.example.com https://*.example.com https://example.org:*\n"
                      "                     https://*.example.net:*;\n"
                      "corshdr_allow_credentials on;\ncorshdr_allow_methods PUT PATCH DELETE;\n"
                      "corshdr_allow_headers Content-Type Authorization;\ncorshdr_expose_headers X-Request-Id;\n"
                      "corshdr_max_age 86400;\ncorshdr_preflight_status 200;\ncorshdr_debug off;\n"
                      "server {\n    location / {\n        corshdr off;\n    }\n}\n")
        # methods and headers only at the http level: defaults for levels below, no policy of its own
        self.accepted("corshdr_allow_methods PUT;\nserver {\n    location / {\n"
                      "        corshdr_allow_origin https://app.example.com;\n    }\n}\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_module.py MODULE.so PATH/TO/corshdr [unittest options]")
    MODULE = os.path.abspath(sys.argv[1])
    CORSHDR = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
