"""Tests of `corshdr conform`, the library's adapter (DESIGN.md §5), over every op of DESIGN.md §4.

    /usr/bin/python3 tools/tests/test_conform.py PATH/TO/corshdr

Standard library only. Each test feeds lines on standard input and checks that exactly one reply
line comes back per input line, in order, of the right kind, and that valid cases get the results
conformance/SEMANTICS.md defines.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import unittest

CORSHDR = None  # set from argv in __main__

MIB = 1024 * 1024


def line(case) -> bytes:
    """One input line: compact JSON, code points as \\u escapes (the vector files' form)."""
    return json.dumps(case, ensure_ascii=True).encode("ascii") + b"\n"


def run_conform(stdin: bytes, timeout: float = 240):
    done = subprocess.run([CORSHDR, "conform"], input=stdin, capture_output=True, timeout=timeout)
    out = done.stdout
    assert out.endswith(b"\n") or out == b"", "output must end with a newline"
    lines = out.split(b"\n")[:-1]
    replies = []
    for text in lines:
        assert text.isascii(), "replies are ASCII (JSON_ENSURE_ASCII)"
        replies.append(json.loads(text))
    return replies, done.returncode, done.stderr


def run_measured(argv, stdin, timeout: float = 120):
    """Runs `corshdr ARGV` with standard input from the open file `stdin`; returns its output lines, status,
    standard error and peak resident set (KiB, from wait4: the process's own high-water mark)."""
    process = subprocess.Popen([CORSHDR] + argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        err = []
        reader = threading.Thread(target=lambda: err.append(process.stderr.read()))
        reader.start()
        out = process.stdout.read()
        reader.join()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        timer.cancel()
        process.stdout.close()
        process.stderr.close()
    return out.split(b"\n")[:-1], process.returncode, err[0].decode(errors="replace"), usage.ru_maxrss


def kind(reply: dict) -> str:
    keys = set(reply) - {"id"}
    assert len(keys) == 1 and "id" in reply, reply
    return keys.pop()


# ---- valid cases of every op, with the results SEMANTICS.md gives ------------------------------------

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ORIGIN = "https://app.example"


def preflight(method="PUT", request_headers=(), status=204, credentials="omit", headers=()):
    return {"origin": ORIGIN, "credentials": credentials, "method": method,
            "request_headers": list(request_headers), "status": status, "headers": [list(h) for h in headers]}


VALID = [
    # token (RFC 9110 §5.6.2)
    ("token", {"value": "GET"}, {"valid": True}),
    ("token", {"value": "!#$%&'*+-.^_`|~09AZaz"}, {"valid": True}),
    ("token", {"value": ""}, {"valid": False}),
    ("token", {"value": "a b"}, {"valid": False}),
    ("token", {"value": "\u00e9"}, {"valid": False}),
    # field-value (Fetch "header value")
    ("field-value", {"value": ""}, {"valid": True}),
    ("field-value", {"value": "a\u000b\u000c\u0001\u007f\u00ffb"}, {"valid": True}),
    ("field-value", {"value": " a"}, {"valid": False}),
    ("field-value", {"value": "a\t"}, {"valid": False}),
    ("field-value", {"value": "a\u0000b"}, {"valid": False}),
    ("field-value", {"value": "a\rb"}, {"valid": False}),
    # combine (Fetch "get")
    ("combine", {"headers": [["A", "nosniff"], ["B", "sniff"], ["a", ""]], "name": "A"}, {"value": "nosniff, "}),
    ("combine", {"headers": [["A", " \t x \t "]], "name": "a"}, {"value": "x"}),
    ("combine", {"headers": [["A", "\u00ff\u0001\u000b"]], "name": "A"}, {"value": "\u00ff\u0001\u000b"}),
    ("combine", {"headers": [["B", "x"]], "name": "A"}, {"value": None}),
    ("combine", {"headers": [], "name": "A"}, {"value": None}),
    # split (Fetch "get, decode, and split")
    ("split", {"headers": [["A", '"a'], ["A", 'b", c']], "name": "A"}, {"values": ['"a, b"', "c"]}),
    ("split", {"headers": [["A", "a,"]], "name": "A"}, {"values": ["a", ""]}),
    ("split", {"headers": [["A", ' "x\\",y" , z ']], "name": "A"}, {"values": ['"x\\",y"', "z"]}),
    ("split", {"headers": [["A", '"open, still']], "name": "A"}, {"values": ['"open, still']}),
    ("split", {"headers": [["A", ""]], "name": "A"}, {"values": [""]}),
    ("split", {"headers": [], "name": "A"}, {"values": None}),
    # name-list (Fetch "extract header list values")
    ("name-list", {"headers": [["A", "a, b,,c"], ["a", " D "]], "name": "A"}, {"values": ["a", "b", "c", "D"]}),
    ("name-list", {"headers": [["A", "x, x, X"]], "name": "A"}, {"values": ["x", "x", "X"]}),
    ("name-list", {"headers": [["A", ", ,"], ["A", ""]], "name": "A"}, {"values": []}),
    ("name-list", {"headers": [["B", "x"]], "name": "A"}, {"values": None}),
    ("name-list", {"headers": [["A", "a b"]], "name": "A"}, {"failure": True}),
    ("name-list", {"headers": [["A", "a"], ["A", "b@"]], "name": "A"}, {"failure": True}),
    ("name-list", {"headers": [[ACAO, "*"], [ACAO.lower(), "*"]], "name": ACAO.upper()}, {"failure": True}),
    ("name-list", {"headers": [[ACAC, "true"], [ACAC, "true"]], "name": ACAC}, {"failure": True}),
    ("name-list", {"headers": [[ACMA, "5"], [ACMA, "5"]], "name": ACMA.lower()}, {"failure": True}),
    ("name-list", {"headers": [["Access-Control-Request-Method", "PUT"], ["X", "1"],
                               ["access-control-request-method", "PUT"]], "name": "Access-Control-Request-Method"},
     {"failure": True}),
    ("name-list", {"headers": [["Access-Control-Request-Method", "PUT"]], "name": "access-control-request-method"},
     {"values": ["PUT"]}),
    ("name-list", {"headers": [[ACAH, "a"], [ACAH, "b"]], "name": ACAH}, {"values": ["a", "b"]}),
    ("name-list", {"headers": [["A", ",".join(["t"] * 1024)]], "name": "A"}, {"values": ["t"] * 1024}),
    ("name-list", {"headers": [["A", ",".join(["t"] * 1025)]], "name": "A"}, {"failure": True}),
    ("name-list", {"headers": [["A", "," * 1025]], "name": "A"}, {"failure": True}),
    # exposed (CORS filter)
    ("exposed", {"credentials": "omit", "headers": [[ACEH, "X-A, *"], ["X-A", "1"], ["Set-Cookie", "s"],
                                                     ["Content-Type", "t"], ["Foo", "z"]]},
     {"readable": [ACEH.lower(), "content-type", "foo", "x-a"]}),
    ("exposed", {"credentials": "include", "headers": [[ACEH, "X-A, *"], ["X-A", "1"], ["Foo", "z"],
                                                        ["Content-Length", "1"], ["x-a", "2"]]},
     {"readable": ["content-length", "x-a"]}),
    ("exposed", {"credentials": "include", "headers": [[ACEH, "*"], ["*", "1"], ["Foo", "2"]]},
     {"readable": ["*"]}),
    ("exposed", {"credentials": "same-origin", "headers": [[ACEH, "X-A X-B"], ["X-A", "1"], ["Pragma", "p"]]},
     {"readable": ["pragma"]}),
    ("exposed", {"credentials": "omit", "headers": [["Set-Cookie2", "a"], [ACEH, "set-cookie2"]]},
     {"readable": []}),
    ("exposed", {"credentials": "omit", "headers": []}, {"readable": []}),
    # cors-check
    ("cors-check", {"origin": ORIGIN, "credentials": "omit", "headers": [[ACAO, "*"]]}, {"ok": True}),
    ("cors-check", {"origin": ORIGIN, "credentials": "include", "headers": [[ACAO, "*"]]}, {"ok": False}),
    ("cors-check", {"origin": ORIGIN, "credentials": "include", "headers": [[ACAO, ORIGIN], [ACAC, "true"]]},
     {"ok": True}),
    ("cors-check", {"origin": ORIGIN, "credentials": "include", "headers": [[ACAO, ORIGIN], [ACAC, "True"]]},
     {"ok": False}),
    ("cors-check", {"origin": ORIGIN, "credentials": "include",
                    "headers": [[ACAO, ORIGIN], [ACAC, "true"], [ACAC, "true"]]}, {"ok": False}),
    ("cors-check", {"origin": ORIGIN, "credentials": "omit", "headers": [[ACAO, " " + ORIGIN + "\t"]]},
     {"ok": True}),
    ("cors-check", {"origin": ORIGIN, "credentials": "omit", "headers": [[ACAO, ORIGIN + "/"]]}, {"ok": False}),
    ("cors-check", {"origin": ORIGIN, "credentials": "omit", "headers": [[ACAO, "*"], [ACAO, "*"]]},
     {"ok": False}),
    ("cors-check", {"origin": ORIGIN, "credentials": "omit", "headers": []}, {"ok": False}),
    ("cors-check", {"origin": "null", "credentials": "omit", "headers": [[ACAO, "null"]]}, {"ok": True}),
    # preflight
    ("preflight", preflight("put", ["X-Trace-Id", "content-type"], 204, "omit",
                            [(ACAO, ORIGIN), (ACAM, "GET, PUT"), (ACAH, "content-type, x-trace-id"), (ACMA, "600")]),
     {"ok": True, "max_age": 600}),
    ("preflight", preflight("PATCH", [], 200, "omit", [(ACAO, ORIGIN), (ACAM, "patch")]), {"ok": False}),
    ("preflight", preflight("patch", [], 200, "omit", [(ACAO, ORIGIN), (ACAM, "patch")]),
     {"ok": True, "max_age": 5}),
    ("preflight", preflight("PUT", [], 200, "omit", [(ACAO, ORIGIN)]), {"ok": False}),
    ("preflight", preflight("POST", [], 200, "omit", [(ACAO, ORIGIN)]), {"ok": True, "max_age": 5}),
    ("preflight", preflight("PUT", [], 200, "omit", [(ACAO, ORIGIN), (ACAM, "*")]), {"ok": True, "max_age": 5}),
    ("preflight", preflight("PUT", [], 200, "include", [(ACAO, ORIGIN), (ACAC, "true"), (ACAM, "*")]),
     {"ok": False}),
    ("preflight", preflight("GET", ["Authorization"], 200, "omit", [(ACAO, "*"), (ACAH, "*")]), {"ok": False}),
    ("preflight", preflight("GET", ["Authorization"], 200, "omit", [(ACAO, "*"), (ACAH, "authorization")]),
     {"ok": True, "max_age": 5}),
    ("preflight", preflight("GET", ["X-A"], 200, "omit", [(ACAO, "*"), (ACAH, "*")]), {"ok": True, "max_age": 5}),
    ("preflight", preflight("GET", ["X-A"], 404, "omit", [(ACAO, "*"), (ACAH, "*")]), {"ok": False}),
    ("preflight", preflight("GET", [], 299, "omit", [(ACAO, "*"), (ACAM, "a b")]), {"ok": False}),
    ("preflight", preflight("GET", [], 10 ** 15, "omit", [(ACAO, "*")]), {"ok": False}),
    ("preflight", preflight("GET", [], 204, "omit", [(ACAO, "*"), (ACMA, "-3")]), {"ok": True, "max_age": 0}),
    # max-age
    ("max-age", {"headers": []}, {"seconds": 5}),
    ("max-age", {"headers": [[ACMA, " 007 "]]}, {"seconds": 7}),
    ("max-age", {"headers": [[ACMA, "-1"]]}, {"seconds": 0}),
    ("max-age", {"headers": [[ACMA, "-0"]]}, {"seconds": 0}),
    ("max-age", {"headers": [[ACMA, "99999999999999999999"]]}, {"seconds": 2147483648}),
    ("max-age", {"headers": [[ACMA, "1.5"]]}, {"seconds": 5}),
    ("max-age", {"headers": [[ACMA, "5"], [ACMA, "5"]]}, {"seconds": 5}),
    # request-safelisted
    ("request-safelisted", {"name": "Content-Type", "value": "text/plain; charset=utf-8"}, {"safelisted": True}),
    ("request-safelisted", {"name": "content-type", "value": "application/json"}, {"safelisted": False}),
    ("request-safelisted", {"name": "Range", "value": "bytes=0-"}, {"safelisted": True}),
    ("request-safelisted", {"name": "range", "value": "bytes=-5"}, {"safelisted": False}),
    ("request-safelisted", {"name": "Accept", "value": "a" * 129}, {"safelisted": False}),
    ("request-safelisted", {"name": "X-A", "value": ""}, {"safelisted": False}),
    # unsafe-names
    ("unsafe-names", {"headers": [["X-B", "1"], ["Content-Type", "text/plain"], ["x-a", "1"], ["X-b", "2"]]},
     {"names": ["x-a", "x-b"], "acrh": "x-a,x-b"}),
    ("unsafe-names", {"headers": [["Accept", "text/html"]]}, {"names": [], "acrh": None}),
    ("unsafe-names", {"headers": []}, {"names": [], "acrh": None}),
    ("unsafe-names", {"headers": [["Accept", "a" * 128]] * 9}, {"names": ["accept"], "acrh": "accept"}),
    # forbidden-request
    ("forbidden-request", {"name": "Cookie", "value": ""}, {"forbidden": True}),
    ("forbidden-request", {"name": "Sec-Fetch-Mode", "value": "cors"}, {"forbidden": True}),
    ("forbidden-request", {"name": "X-HTTP-Method-Override", "value": "get, trace"}, {"forbidden": True}),
    ("forbidden-request", {"name": "X-HTTP-Method-Override", "value": "PATCH"}, {"forbidden": False}),
    ("forbidden-request", {"name": "X-A", "value": ""}, {"forbidden": False}),
    # origin
    ("origin", {"value": "null"}, {"valid": True}),
    ("origin", {"value": ORIGIN}, {"valid": True}),
    ("origin", {"value": "https://[::1]:8080"}, {"valid": True}),
    ("origin", {"value": ORIGIN + "/"}, {"valid": False}),
    ("origin", {"value": ORIGIN + ":443"}, {"valid": False}),
    ("origin", {"value": "HTTPS://app.example"}, {"valid": False}),
    ("origin", {"value": "http://1.2.3"}, {"valid": False}),
    ("origin", {"value": ""}, {"valid": False}),
    # policy-compile (SEMANTICS.md "The server policy")
    ("policy-compile", {"policy": {"origins": [ORIGIN]}}, {"ok": True}),
    ("policy-compile", {"policy": {"origins": ["*", "null", "https://*.co.uk", "HTTPS://A.example", "https://*."],
                                   "credentials": True, "public_suffixes": ["co.uk"], "methods": ["TRACE"],
                                   "headers": ["Cookie"], "expose": ["Set-Cookie"], "max_age": 2 ** 40,
                                   "preflight_status": 100}},
     {"problems": [{"code": "EWILDCARD", "part": "origins", "index": 0},
                   {"code": "ENULL", "part": "origins", "index": 1},
                   {"code": "EPUBLICSUFFIX", "part": "origins", "index": 2},
                   {"code": "ECANONICAL", "part": "origins", "index": 3},
                   {"code": "EORIGIN", "part": "origins", "index": 4},
                   {"code": "EMETHOD", "part": "methods", "index": 0},
                   {"code": "EFORBIDDEN", "part": "headers", "index": 0},
                   {"code": "EHEADER", "part": "expose", "index": 0},
                   {"code": "EMAXAGE", "part": "settings", "index": None},
                   {"code": "ESTATUS", "part": "settings", "index": None}]}),
    ("policy-compile", {"policy": {"origins": [], "max_age": -1.0}},
     {"problems": [{"code": "EEMPTY", "part": "origins", "index": None}]}),
    # policy-apply: lines lowercased and sorted by name; status null but for a preflight
    ("policy-apply", {"policy": {"origins": [ORIGIN], "credentials": True, "methods": ["PUT"], "headers": ["X-A"],
                                 "max_age": 60, "preflight_status": 200.0},
                      "method": "OPTIONS", "headers": [["Origin", ORIGIN], ["Access-Control-Request-Method", "PUT"],
                                                       ["access-control-request-headers", "x-a"]]},
     {"kind": "preflight", "status": 200, "reason": "OK",
      "lines": [["access-control-allow-credentials", "true"], ["access-control-allow-headers", "X-A"],
                ["access-control-allow-methods", "PUT"], ["access-control-allow-origin", ORIGIN],
                ["access-control-max-age", "60"],
                ["vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]]}),
    ("policy-apply", {"policy": {"origins": [ORIGIN], "debug": True}, "method": "OPTIONS",
                      "headers": [["Origin", "https://evil.example"], ["Access-Control-Request-Method", "PUT"]]},
     {"kind": "preflight", "status": 403, "reason": "EACAO",
      "lines": [["corshdr-reason", "EACAO: origin not allowed"],
                ["vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]]}),
    ("policy-apply", {"policy": {"origins": ["*"], "expose": ["*"]}, "method": "GET",
                      "headers": [["X (bad)", "\u0000"], ["Origin", "null"]]},
     {"kind": "actual", "status": None, "reason": "OK",
      "lines": [["access-control-allow-origin", "*"], ["access-control-expose-headers", "*"]]}),
    ("policy-apply", {"policy": {"origins": ["*"]}, "method": "GET", "headers": []},
     {"kind": "plain", "status": None, "reason": "ABSENT", "lines": [["vary", "Origin"]]}),
    ("policy-apply", {"policy": {"origins": ["*"], "credentials": True}, "method": "GET", "headers": []},
     {"problems": [{"code": "EWILDCARD", "part": "origins", "index": 0}]}),
]

OPS = ["token", "field-value", "combine", "split", "name-list", "exposed", "cors-check", "preflight",
       "max-age", "request-safelisted", "unsafe-names", "forbidden-request", "origin", "policy-compile",
       "policy-apply"]

# Ops that read `headers`, with an otherwise valid input.
HEADER_OPS = {
    "combine": {"name": "A"},
    "split": {"name": "A"},
    "name-list": {"name": "A"},
    "exposed": {"credentials": "omit"},
    "cors-check": {"origin": ORIGIN, "credentials": "omit"},
    "preflight": {"origin": ORIGIN, "credentials": "omit", "method": "GET", "request_headers": [], "status": 200},
    "max-age": {},
    "unsafe-names": {},
}

# Lines that are not cases: (bytes, the id the error must carry; ... when either is acceptable).
MALFORMED = [
    (b"this is not JSON", None),
    (b"", None),
    (b"   ", None),
    (b"[1, 2]", None),
    (b"42", None),
    (b'"a string"', None),
    (b"null", None),
    (b"\xff\xfe not UTF-8", None),
    (b"[" * 100000, None),
    (b'{"id": "trailing", "op": "token", "input": {"value": "a"}} x', None),
    (line({"op": "token", "input": {"value": "x"}})[:-1], None),
    (line({"id": 7, "op": "token", "input": {"value": "x"}})[:-1], None),
    (line({"id": "no-op", "input": {"value": "x"}})[:-1], "no-op"),
    (line({"id": "op-type", "op": ["token"], "input": {"value": "x"}})[:-1], "op-type"),
    (line({"id": "no-input", "op": "token"})[:-1], "no-input"),
    (line({"id": "input-type", "op": "token", "input": "GET"})[:-1], "input-type"),
    (line({"id": "value-missing", "op": "token", "input": {}})[:-1], "value-missing"),
    (line({"id": "value-type", "op": "origin", "input": {"value": None}})[:-1], "value-type"),
    (line({"id": "value-number", "op": "field-value", "input": {"value": 5}})[:-1], "value-number"),
    (line({"id": "wide", "op": "token", "input": {"value": "\u0100"}})[:-1], "wide"),
    (line({"id": "wide-name", "op": "combine", "input": {"headers": [["A", "x"]], "name": "\u20ac"}})[:-1],
     "wide-name"),
    (line({"id": "wide-header", "op": "combine", "input": {"headers": [["A", "\u20ac"]], "name": "A"}})[:-1],
     "wide-header"),
    (line({"id": "astral", "op": "origin", "input": {"value": "\U0001F600"}})[:-1], "astral"),
    (b'{"id": "surrogate", "op": "token", "input": {"value": "\\ud800"}}', ...),
    (line({"id": "credentials", "op": "exposed", "input": {"credentials": "INCLUDE", "headers": []}})[:-1],
     "credentials"),
    (line({"id": "credentials-type", "op": "cors-check",
           "input": {"origin": ORIGIN, "credentials": 1, "headers": []}})[:-1], "credentials-type"),
    (line({"id": "pair", "op": "combine", "input": {"headers": [["A"]], "name": "A"}})[:-1], "pair"),
    (line({"id": "triple", "op": "split", "input": {"headers": [["A", "b", "c"]], "name": "A"}})[:-1], "triple"),
    (line({"id": "pair-type", "op": "max-age", "input": {"headers": [["A", 5]]}})[:-1], "pair-type"),
    (line({"id": "headers-type", "op": "max-age", "input": {"headers": {}}})[:-1], "headers-type"),
    (line({"id": "status-string", "op": "preflight", "input": dict(preflight(), status="200")})[:-1],
     "status-string"),
    (line({"id": "status-float", "op": "preflight", "input": dict(preflight(), status=200.5)})[:-1],
     "status-float"),
    (line({"id": "status-bool", "op": "preflight", "input": dict(preflight(), status=True)})[:-1], "status-bool"),
    (line({"id": "rh-type", "op": "preflight", "input": dict(preflight(), request_headers="x-a")})[:-1],
     "rh-type"),
    (line({"id": "rh-item", "op": "preflight", "input": dict(preflight(), request_headers=[1])})[:-1], "rh-item"),
    (line({"id": "method-missing", "op": "preflight",
           "input": {k: v for k, v in preflight().items() if k != "method"}})[:-1], "method-missing"),
    (line({"id": "policy-missing", "op": "policy-compile", "input": {}})[:-1], "policy-missing"),
    (line({"id": "policy-type", "op": "policy-compile", "input": {"policy": [ORIGIN]}})[:-1], "policy-type"),
    (line({"id": "origins-missing", "op": "policy-compile", "input": {"policy": {"credentials": True}}})[:-1],
     "origins-missing"),
    (line({"id": "origins-type", "op": "policy-compile", "input": {"policy": {"origins": ORIGIN}}})[:-1],
     "origins-type"),
    (line({"id": "origin-item", "op": "policy-compile", "input": {"policy": {"origins": [None]}}})[:-1],
     "origin-item"),
    (line({"id": "unknown-setting", "op": "policy-compile",
           "input": {"policy": {"origins": [ORIGIN], "allow_credentials": True}}})[:-1], "unknown-setting"),
    (line({"id": "flag-type", "op": "policy-compile", "input": {"policy": {"origins": [ORIGIN], "debug": 1}}})[:-1],
     "flag-type"),
    (line({"id": "number-type", "op": "policy-compile",
           "input": {"policy": {"origins": [ORIGIN], "max_age": "600"}}})[:-1], "number-type"),
    (line({"id": "number-real", "op": "policy-compile",
           "input": {"policy": {"origins": [ORIGIN], "preflight_status": 204.5}}})[:-1], "number-real"),
    (line({"id": "wide-suffix", "op": "policy-compile",
           "input": {"policy": {"origins": [ORIGIN], "public_suffixes": ["\u0100"]}}})[:-1], "wide-suffix"),
    (line({"id": "apply-method", "op": "policy-apply",
           "input": {"policy": {"origins": [ORIGIN]}, "headers": []}})[:-1], "apply-method"),
    (line({"id": "apply-headers", "op": "policy-apply",
           "input": {"policy": {"origins": [ORIGIN]}, "method": "GET", "headers": [["Origin"]]}})[:-1],
     "apply-headers"),
]


def case_line(case_id, op, input):
    return line({"id": case_id, "op": op, "input": input})


class ConformTest(unittest.TestCase):
    maxDiff = None

    def run_lines(self, lines):
        """Feeds the lines (bytes, newline added where missing); one reply per line, in order, exit 0."""
        stdin = b"".join(x if x.endswith(b"\n") else x + b"\n" for x in lines)
        replies, status, stderr = run_conform(stdin)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(len(replies), len(lines))
        return replies

    def test_an_unexpected_argument_is_echoed_escaped(self):
        done = subprocess.run([CORSHDR, "conform", "x\ny\x1b"], input=b"", capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stderr.decode(), "corshdr: conform: unexpected argument 'x\\x0Ay\\x1B': cases are read "
                         "from standard input\n")

    def test_valid_cases_of_every_op(self):
        lines = [case_line("v%d" % i, op, input) for i, (op, input, _) in enumerate(VALID)]
        replies = self.run_lines(lines)
        for i, ((op, input, expected), reply) in enumerate(zip(VALID, replies)):
            with self.subTest(op=op, input=json.dumps(input)[:200]):
                self.assertEqual(reply, {"id": "v%d" % i, "result": expected})
        self.assertEqual({op for op, _, _ in VALID}, set(OPS))

    def test_malformed_lines_interleaved_with_valid_cases(self):
        """Every malformed line gets one error line; the valid case after it still gets its result."""
        lines, expect = [], []
        for i, (bad, bad_id) in enumerate(MALFORMED):
            lines.append(bad)
            expect.append(("error", bad_id))
            op, input, result = VALID[(i * 7) % len(VALID)]
            lines.append(case_line("ok-%d" % i, op, input))
            expect.append(("result", result))
        lines.append(case_line("unknown", "teleport", {}))
        expect.append(("unsupported", None))
        lines.append(case_line("unknown-odd-input", "teleport", 5))
        expect.append(("unsupported", None))
        replies = self.run_lines(lines)
        for index, (reply, (want_kind, want)) in enumerate(zip(replies, expect)):
            with self.subTest(index=index, line=lines[index][:120]):
                self.assertEqual(kind(reply), want_kind)
                if want_kind == "error":
                    self.assertIsInstance(reply["error"], str)
                    self.assertTrue(reply["error"])
                    if want is not ...:
                        self.assertEqual(reply["id"], want)
                elif want_kind == "result":
                    self.assertEqual(reply["id"], "ok-%d" % (index // 2))
                    self.assertEqual(reply["result"], want)
                else:
                    self.assertIs(reply["unsupported"], True)

    def test_messages_name_the_field(self):
        replies = self.run_lines([
            case_line("a", "combine", {"headers": [["A", "x"], ["B", "\u0101"]], "name": "A"}),
            case_line("b", "exposed", {"credentials": "all", "headers": []}),
            case_line("c", "token", {}),
        ])
        self.assertIn("input.headers[1][1]", replies[0]["error"])
        self.assertIn("U+00FF", replies[0]["error"])
        self.assertIn("input.credentials", replies[1]["error"])
        self.assertIn("input.value", replies[2]["error"])
        replies = self.run_lines([
            case_line("d", "policy-compile", {"policy": {"origins": [ORIGIN], "methods": ["PUT", 5]}}),
            case_line("e", "policy-apply", {"policy": {"origins": [ORIGIN], "bogus": 1}, "method": "GET",
                                            "headers": []}),
        ])
        self.assertIn("input.policy.methods[1]", replies[0]["error"])
        self.assertIn("input.policy.bogus", replies[1]["error"])

    def test_integral_real_status_is_an_integer(self):
        """JSON has one number type: 204.0 is 204 (as the reference model and JSON Schema read it)."""
        replies = self.run_lines([case_line("r", "preflight", dict(preflight("GET", headers=[(ACAO, "*")]), status=204.0)),
                                  case_line("h", "preflight", dict(preflight(), status=1e300)),
                                  case_line("f", "preflight", dict(preflight(), status=204.5))])
        self.assertEqual(replies[0]["result"]["ok"], True)
        self.assertEqual(replies[1]["result"], {"ok": False})  # an integer, and not 200-299
        self.assertEqual(kind(replies[2]), "error")

    def test_every_op_is_supported(self):
        """Empty input is malformed for every op: an error, never "unsupported"."""
        replies = self.run_lines([case_line(op, op, {}) for op in OPS])
        self.assertEqual([r["id"] for r in replies], OPS)
        self.assertTrue(all(kind(r) == "error" for r in replies), replies)

    def test_network_error_for_every_op_with_headers(self):
        """SEMANTICS.md §1: a NUL/CR/LF in any value, or a name that is not a token, anywhere."""
        bad_lists = [[["A", "a\u0000b"]], [["X", "1"], ["B", "\r"]], [["B", "x\ny"]], [["bad name", "x"]],
                     [["", "x"]], [["\u00e9", "x"]], [[ACAO, "*"], ["X:Y", "1"]]]
        lines, ops = [], []
        for op, rest in HEADER_OPS.items():
            for headers in bad_lists:
                lines.append(case_line(op, op, dict(rest, headers=headers)))
                ops.append(op)
        replies = self.run_lines(lines)
        for op, reply in zip(ops, replies):
            self.assertEqual(reply, {"id": op, "result": {"network_error": True}})

    def test_network_error_does_not_hide_a_malformed_field(self):
        replies = self.run_lines([case_line("m", "cors-check",
                                            {"origin": 5, "credentials": "omit", "headers": [["A", "\u0000"]]})])
        self.assertEqual(kind(replies[0]), "error")

    def test_ten_mebibyte_lines(self):
        """Lines up to --max-line (16 MiB by default) are read whole: a 10 MiB case is answered; a 10 MiB
        malformed one is refused."""
        big = "\u00e9" * (2 * MIB)  # 12 MiB of \\u00e9 escapes on the line
        big_case = case_line("big", "combine", {"headers": [["A", big], ["a", "x"]], "name": "A"})
        self.assertGreater(len(big_case), 10 * MIB)
        bad_case = case_line("big-bad", "token", {"value": "a" * (10 * MIB) + "\u0100"})
        list_case = case_line("big-list", "name-list", {"headers": [["A", "a," * (5 * MIB)]], "name": "A"})
        split_case = case_line("big-split", "split", {"headers": [["A", "x," * (5 * MIB)]], "name": "A"})
        replies = self.run_lines([big_case, bad_case, case_line("after", "origin", {"value": "null"}), list_case,
                                  split_case])
        self.assertEqual(replies[0], {"id": "big", "result": {"value": big + ", x"}})
        self.assertEqual(replies[1]["id"], "big-bad")
        self.assertEqual(kind(replies[1]), "error")
        self.assertEqual(replies[2], {"id": "after", "result": {"valid": True}})
        self.assertEqual(replies[3], {"id": "big-list", "result": {"failure": True}})  # max_bytes
        self.assertEqual(len(replies[4]["result"]["values"]), 5 * MIB + 1)

    def test_max_line_bound_and_recovery(self):
        """--max-line BYTES: a line of BYTES bytes (its LF not counted, a CR before it counted) is read; a
        longer one is answered with one error line, id null since the id is in the part not read, and the
        next line is answered as usual."""
        case = case_line("fits", "token", {"value": "a"})[:-1]
        bound = len(case)
        shorter = case_line("fit", "token", {"value": "a"})[:-1] + b"\r"  # with its CR, exactly the bound
        self.assertEqual(len(shorter), bound)
        stdin = b"\n".join([case, case + b"\r", case + b"x" * 1000, case_line("next", "token", {"value": "b"})[:-1],
                            shorter]) + b"\n"
        done = subprocess.run([CORSHDR, "conform", "--max-line", str(bound)], input=stdin, capture_output=True,
                              timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        replies = [json.loads(x) for x in done.stdout.split(b"\n")[:-1]]
        too_long = {"id": None, "error": "line %%d is longer than %d bytes (--max-line): skipped unread, so its id is "
                                         "unknown" % bound}
        self.assertEqual(replies, [{"id": "fits", "result": {"valid": True}},
                                   dict(too_long, error=too_long["error"] % 2),
                                   dict(too_long, error=too_long["error"] % 3),
                                   {"id": "next", "result": {"valid": True}},
                                   {"id": "fit", "result": {"valid": True}}])
        done = subprocess.run([CORSHDR, "conform", "--max-line=%d" % (bound - 1)], input=case + b"\n",
                              capture_output=True, timeout=60)
        self.assertEqual(json.loads(done.stdout), dict(too_long, error=too_long["error"].replace(
            str(bound), str(bound - 1)) % 1))

    def test_endless_line_ends_the_run(self):
        """A too-long line is skipped to its LF, up to 64 times --max-line bytes; past that the input is not
        JSON Lines: after the line's error reply, one error line on stderr and exit status 1."""
        for length, endless in ((6400, False), (6401, True)):
            with self.subTest(length=length):
                stdin = b"x" * length + b"\n" + case_line("after", "origin", {"value": "null"})
                done = subprocess.run([CORSHDR, "conform", "--max-line", "100"], input=stdin, capture_output=True,
                                      timeout=60)
                replies = [json.loads(x) for x in done.stdout.split(b"\n")[:-1]]
                self.assertEqual(replies[0]["id"], None)
                self.assertIn("longer than 100 bytes (--max-line)", replies[0]["error"])
                if endless:
                    self.assertEqual(done.returncode, 1)
                    self.assertEqual(len(replies), 1)
                    self.assertEqual(done.stderr, b"corshdr: conform: line 1 goes on past 6400 bytes without a line "
                                                  b"feed: the input is not JSON Lines; stopped\n")
                else:
                    self.assertEqual(done.returncode, 0, done.stderr)
                    self.assertEqual(replies[1:], [{"id": "after", "result": {"valid": True}}])

    def test_dev_zero_ends_with_bounded_memory(self):
        """`corshdr conform < /dev/zero`: one endless line of NUL bytes. It gets its error reply, the run
        stops after 64 times the 16 MiB default (1 GiB) with an error line and status 1, and the process
        never holds much more than the 16 MiB bound (the unbounded reader grew to gigabytes)."""
        _, _, _, idle = run_measured(["conform"], subprocess.DEVNULL)
        with open("/dev/zero", "rb") as zero:
            out, status, err, peak = run_measured(["conform"], zero)
        self.assertEqual(status, 1, err)
        self.assertEqual([json.loads(x) for x in out], [{"id": None, "error": "line 1 is longer than 16777216 bytes "
                                                          "(--max-line): skipped unread, so its id is unknown"}])
        self.assertEqual(err, "corshdr: conform: line 1 goes on past 1073741824 bytes without a line feed: the input "
                              "is not JSON Lines; stopped\n")
        # 16 MiB of line, grown by doubling (under ASan, the freed smaller buffers sit in its quarantine).
        self.assertLess(peak - idle, 3 * 16 * 1024, "peak %d KiB, idle %d KiB" % (peak, idle))

    def test_long_single_line_memory_is_the_bound(self):
        """A 64 MiB line (four times the default bound) costs the bound, not the line; the next case is
        answered."""
        _, _, _, idle = run_measured(["conform"], subprocess.DEVNULL)
        with tempfile.TemporaryFile() as f:
            f.write(b'{"id":"big","op":"token","input":{"value":"')
            chunk = b"a" * MIB
            for _ in range(64):
                f.write(chunk)
            f.write(b'"}}\n' + case_line("after", "token", {"value": "GET"}))
            f.seek(0)
            out, status, err, peak = run_measured(["conform"], f)
        self.assertEqual(status, 0, err)
        self.assertEqual([json.loads(x) for x in out],
                         [{"id": None, "error": "line 1 is longer than 16777216 bytes (--max-line): skipped unread, "
                                                "so its id is unknown"},
                          {"id": "after", "result": {"valid": True}}])
        self.assertLess(peak - idle, 3 * 16 * 1024, "peak %d KiB, idle %d KiB" % (peak, idle))

    def test_outputs_are_sized_from_the_library_not_capped(self):
        names = ["X-H%05d" % i for i in range(5000)]
        headers = [[n, "v"] for n in names]
        replies = self.run_lines([
            case_line("exposed", "exposed", {"credentials": "omit", "headers": [[ACEH, "*"]] + headers}),
            case_line("unsafe", "unsafe-names", {"headers": headers}),
            case_line("preflight", "preflight", preflight("GET", names, 200, "omit", [(ACAO, "*"), (ACAH, "*")])),
            case_line("preflight-miss", "preflight",
                      preflight("GET", names + ["x-last"], 200, "omit",
                                [(ACAO, "*"), (ACAH, ",".join(names[:1000]))])),
            case_line("list", "name-list", {"headers": [["A", ",".join(names[:1000])]] * 1, "name": "a"}),
        ])
        lowered = sorted(n.lower() for n in names)
        self.assertEqual(replies[0]["result"]["readable"], sorted([ACEH.lower()] + lowered))
        self.assertEqual(replies[1]["result"], {"names": lowered, "acrh": ",".join(lowered)})
        self.assertEqual(replies[2]["result"], {"ok": True, "max_age": 5})
        self.assertEqual(replies[3]["result"], {"ok": False})
        self.assertEqual(replies[4]["result"], {"values": names[:1000]})

    def test_line_endings(self):
        """CRLF lines are read like LF lines; a last line without a newline is still answered."""
        stdin = (case_line("crlf", "token", {"value": "a"})[:-1] + b"\r\n"
                 + case_line("last", "token", {"value": ""})[:-1])
        replies, status, _ = run_conform(stdin)
        self.assertEqual(status, 0)
        self.assertEqual(replies, [{"id": "crlf", "result": {"valid": True}},
                                   {"id": "last", "result": {"valid": False}}])

    def test_every_byte_round_trips(self):
        """Every byte a header value can hold comes back as its own code point (NUL, CR and LF
        cannot be in a value; SP and HTAB sit inside, where trimming keeps them)."""
        value = "a" + "".join(chr(b) for b in range(256) if b not in (0x00, 0x0A, 0x0D)) + "a"
        replies = self.run_lines([case_line("bytes", "combine", {"headers": [["A", value]], "name": "A"})])
        self.assertEqual(replies[0]["result"]["value"], value)

    def test_empty_input(self):
        self.assertEqual(run_conform(b"")[:2], ([], 0))

    def test_reply_is_flushed_before_the_next_line_is_read(self):
        with subprocess.Popen([CORSHDR, "conform"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as process:
            try:
                for n in range(2):
                    process.stdin.write(case_line("q%d" % n, "origin", {"value": "null"}))
                    process.stdin.flush()
                    ready, _, _ = select.select([process.stdout], [], [], 60)
                    self.assertTrue(ready, "no reply while the input stays open: output not flushed")
                    self.assertEqual(json.loads(process.stdout.readline()),
                                     {"id": "q%d" % n, "result": {"valid": True}})
            finally:
                process.stdin.close()
                process.wait(timeout=60)
        self.assertEqual(process.returncode, 0)

    def test_help_and_usage_errors(self):
        done = subprocess.run([CORSHDR, "conform", "--help"], capture_output=True)
        self.assertEqual(done.returncode, 0)
        self.assertIn(b"usage: corshdr conform", done.stdout)
        self.assertIn(b"--max-line BYTES", done.stdout)
        for argv in (["conform", "extra"], ["conform", "--bogus"], ["conform", "--max-line"],
                     ["conform", "--max-line", "0"], ["conform", "--max-line", "1073741825"],
                     ["conform", "--max-line", "16M"], ["conform", "--max-line", "-1"]):
            done = subprocess.run([CORSHDR] + argv, capture_output=True, input=b"")
            self.assertEqual(done.returncode, 2)
            self.assertEqual(done.stdout, b"")
            err = done.stderr.decode()
            self.assertTrue(err.startswith("corshdr: "), err)
            self.assertEqual(err.count("\n"), 1, err)


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_conform.py PATH/TO/corshdr [unittest options]")
    CORSHDR = os.path.abspath(sys.argv.pop(1))
    unittest.main()
