"""Tests of `corshdr check` (text and --json), of the response-head reader as the command uses it,
and of the command line's errors and exit statuses.

    /usr/bin/python3 tools/tests/test_check.py PATH/TO/corshdr PATH/TO/tools/samples

Standard library only.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

CORSHDR = None  # set from argv in __main__
SAMPLES = None

ORIGIN = "https://app.example"
ACAO = "Access-Control-Allow-Origin"


def run(args, stdin=b""):
    done = subprocess.run([CORSHDR] + args, input=stdin, capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode("ascii"), done.stderr.decode("utf-8", "replace")


def head(*lines, end="\r\n", blank=True) -> bytes:
    """A response head from str lines (code points U+0000-U+00FF are the bytes)."""
    text = end.join(lines) + end + (end if blank else "")
    return text.encode("latin-1")


class CheckTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def file(self, data: bytes, name="h.http") -> str:
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def check(self, data: bytes, *args, status=None):
        """Runs check on the head in a file; returns (exit status, text report)."""
        path = self.file(data)
        code, out, err = run(["check", "--origin", ORIGIN, *args, path])
        self.assertEqual(err, "", "no stderr when a report is written")
        if status is not None:
            self.assertEqual(code, status, out)
        return code, out

    def check_json(self, data: bytes, *args, status=None) -> dict:
        code, out = self.check(data, "--json", *args, status=status)
        report = json.loads(out)
        self.assertEqual(report["ok"], code == 0)
        return report

    def input_error(self, data: bytes, message: str, line: int, column: int):
        """A head the reader rejects: one stderr line with file:line:column, nothing on stdout, exit 1."""
        path = self.file(data)
        for extra in ([], ["--json"]):
            code, out, err = run(["check", "--origin", ORIGIN, *extra, path])
            self.assertEqual(code, 1)
            self.assertEqual(out, "")
            self.assertTrue(err.startswith("corshdr: check: %s:%d:%d: " % (path, line, column)), err)
            self.assertIn(message, err)
            self.assertEqual(err.count("\n"), 1, err)

    def usage_error(self, args, message, status=2, stdin=b""):
        code, out, err = run(args, stdin)
        self.assertEqual(code, status, err)
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("corshdr: "), err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn(message, err)

    # ---- the bundled samples (the README's main-job commands) --------------------------------------

    def test_sample_preflight_passes(self):
        path = os.path.join(SAMPLES, "preflight-response.http")
        args = ["check", "--origin", ORIGIN, "--preflight", "--method", "PUT",
                "--request-headers", "content-type, x-trace-id", path]
        code, out, err = run(args)
        self.assertEqual((code, err), (0, ""))
        self.assertIn("CORS check: pass\n", out)
        self.assertIn("preflight:  pass\n", out)
        self.assertIn("max-age:    600 seconds\n", out)
        self.assertIn("Access-Control-Request-Headers: content-type,x-trace-id\n", out)
        self.assertIn("status 204", out)
        self.assertTrue(out.endswith("result:     pass\n"))
        report = json.loads(run(args[:-1] + ["--json", path])[1])
        self.assertEqual(report["ok"], True)
        self.assertEqual(report["response"], {"status": 204, "header_lines": 8})
        self.assertEqual(report["request"]["method"], "PUT")
        self.assertEqual(report["request"]["acrh"], "content-type,x-trace-id")
        self.assertEqual(report["request"]["unsafe_headers"], ["content-type", "x-trace-id"])
        self.assertEqual(report["request"]["needs_preflight"], True)
        self.assertEqual(report["cors_check"], {"ok": True, "error": None})
        self.assertEqual(report["preflight"], {"ok": True, "error": None, "max_age": 600,
                                               "max_age_uncapped": 600, "max_age_note": None})

    def test_sample_response_shows_readable_headers(self):
        path = os.path.join(SAMPLES, "response.http")
        code, out, err = run(["check", "--origin", ORIGIN, path])
        self.assertEqual((code, err), (0, ""))
        readable = ["cache-control", "content-length", "content-type", "x-ratelimit-remaining", "x-request-id",
                    "x-trace-id"]
        self.assertIn("readable:   %s\n" % ", ".join(readable), out)
        hidden = re.search(r"^hidden: +(.*)$", out, re.M).group(1).split(", ")
        self.assertIn("set-cookie", hidden)
        self.assertIn("x-powered-by", hidden)
        self.assertIn("no preflight", out)
        report = json.loads(run(["check", "--origin", ORIGIN, "--json", path])[1])
        self.assertEqual(report["readable"], readable)
        self.assertEqual(report["hidden"], hidden)
        self.assertEqual(report["expose_headers_note"], None)
        self.assertNotIn("preflight", report)
        # With credentials the same headers are readable: the list names them, it has no `*`.
        code, out, _ = run(["check", "--origin", ORIGIN, "--credentials", "include", path])
        self.assertEqual(code, 3)
        self.assertIn("EACAC", out)

    def test_standard_input(self):
        with open(os.path.join(SAMPLES, "response.http"), "rb") as f:
            data = f.read()
        from_file = run(["check", "--origin", ORIGIN, os.path.join(SAMPLES, "response.http")])[1]
        for args in (["-"], []):
            code, out, _ = run(["check", "--origin", ORIGIN] + args, stdin=data)
            self.assertEqual(code, 0)
            self.assertEqual(out.split("\n")[1:], from_file.split("\n")[1:])

    # ---- verdicts with line and column ---------------------------------------------------------------

    def test_failing_cors_check_names_line_column_and_rule(self):
        data = head("HTTP/1.1 200 OK", "Date: x", ACAO + ": https://other.example", "X-A: 1")
        code, out = self.check(data, status=3)
        column = len(ACAO + ": https://") + 1  # the first byte that differs from the origin
        self.assertIn("CORS check: FAIL\n", out)
        self.assertIn("h.http:3:%d: EACAO: Access-Control-Allow-Origin does not match the request origin\n"
                      % column, out)
        self.assertIn("expected: the serialized request origin, byte for byte\n", out)
        self.assertIn("    3 | %s: https://other.example\n" % ACAO, out)
        caret = out.split("    3 | ")[1].split("\n")[1]
        self.assertEqual(caret.index("^") - caret.index("|") - 2, column - 1)
        self.assertIn("readable:   none: the CORS check failed\n", out)
        self.assertTrue(out.endswith("result:     FAIL\n"))
        report = self.check_json(data, status=3)
        self.assertEqual(report["cors_check"], {"ok": False, "error": {
            "code": "EACAO", "message": "Access-Control-Allow-Origin does not match the request origin",
            "expected": "the serialized request origin, byte for byte", "line": 3, "column": column,
            "header": ACAO}})
        self.assertEqual(report["readable"], [])

    def test_absent_acao_has_no_position(self):
        report = self.check_json(head("HTTP/1.1 200 OK", "X-A: 1"), status=3)
        error = report["cors_check"]["error"]
        self.assertEqual((error["code"], error["line"], error["column"], error["header"]),
                         ("ENOACAO", None, None, None))

    def test_wildcard_with_credentials(self):
        report = self.check_json(head("HTTP/1.1 200 OK", ACAO + ": *"), "--credentials", "include", status=3)
        self.assertEqual(report["cors_check"]["error"]["code"], "EWILDCARD")
        self.assertEqual(report["cors_check"]["error"]["line"], 2)
        self.assertEqual(self.check_json(head("HTTP/1.1 200 OK", ACAO + ": *"), status=0)["ok"], True)

    def test_nul_in_a_value_is_a_network_error(self):
        data = head("HTTP/1.1 200 OK", ACAO + ": *", "X-A: a\x00b")
        code, out = self.check(data, status=3)
        self.assertIn("h.http:3:7: EVALUE", out)
        self.assertIn("network error", out)
        self.assertIn("    3 | X-A: a\\x00b\n", out)
        error = self.check_json(data, status=3)["cors_check"]["error"]
        self.assertEqual((error["code"], error["line"], error["column"], error["header"]), ("EVALUE", 3, 7, "X-A"))

    def test_bad_field_name_is_a_network_error(self):
        error = self.check_json(head("HTTP/1.1 200 OK", ACAO + ": *", "X(A): 1"), status=3)["cors_check"]["error"]
        self.assertEqual((error["code"], error["line"], error["column"]), ("ENAME", 3, 2))

    def test_input_bytes_are_escaped_in_text(self):
        data = head("HTTP/1.1 200 OK", ACAO + ": https://\x1b[2Jevil\xff")
        code, out = self.check(data, status=3)
        self.assertNotIn("\x1b", out)
        self.assertIn("https://\\x1B[2Jevil\\xFF", out)
        report = self.check_json(data, status=3)  # JSON: bytes as code points
        self.assertEqual(report["cors_check"]["error"]["column"], len(ACAO + ": https://") + 1)

    def test_argument_bytes_are_escaped_and_cut_in_error_lines(self):
        """Every argument a usage error echoes: no terminal control, no line break, at most 64 bytes."""
        for args in (["--origin", "a\x1b[31mb"], ["--origin", ORIGIN, "--method", "T\nRACE"],
                     ["--origin", ORIGIN, "--credentials", "x\ry"], ["--origin", ORIGIN, "--credentials", "x" * 100000],
                     ["--origin", ORIGIN, "--request-header", "no colon\x07"],
                     ["--origin", ORIGIN, "/nonexistent/\x1b]0;title\x07"]):
            code, out, err = run(["check"] + args)
            self.assertIn(code, (1, 2), args)
            line = err.rstrip("\n")
            self.assertNotIn("\n", line, args)
            for control in "\x1b\r\x07":
                self.assertNotIn(control, line, args)
            self.assertLess(len(line), 600, args)
        code, out, err = run(["check", "--origin", "a\x1b[31mb"])
        self.assertIn("'a\\x1B[31mb'", err)
        code, out, err = run(["check", "--origin", ORIGIN, "--credentials", "x" * 100000])
        self.assertIn("... (100000 bytes)", err)

    def test_preflight_failures(self):
        base = ["HTTP/1.1 204 No Content", ACAO + ": " + ORIGIN]
        cases = [
            # (extra lines, args, code, line, column)
            (["Access-Control-Allow-Methods: GET, POST"], ["--method", "PUT"], "EMETHOD", 3, None),
            (["Access-Control-Allow-Methods: patch"], ["--method", "PATCH"], "EMETHOD", 3, None),
            (["Access-Control-Allow-Headers: x-a"], ["--request-headers", "x-a, x-b"], "EHEADER", 3, None),
            (["Access-Control-Allow-Headers: *"], ["--request-headers", "Authorization"], "EAUTHORIZATION", 3,
             None),
            (["Access-Control-Allow-Methods: PUT PATCH"], ["--method", "PUT"], "ETOKEN", 3, 35),
            ([], ["--method", "DELETE"], "EMETHOD", None, None),
        ]
        for extra, args, want, line, column in cases:
            with self.subTest(want=want, args=args):
                data = head(*(base + extra))
                code, out = self.check(data, "--preflight", *args, status=3)
                self.assertIn("CORS check: pass\n", out)
                self.assertIn("preflight:  FAIL\n", out)
                self.assertIn("max-age:    none: a failed preflight is not cached\n", out)
                error = self.check_json(data, "--preflight", *args, status=3)["preflight"]["error"]
                self.assertEqual((error["code"], error["line"], error["column"]), (want, line, column))

    def test_preflight_status_points_at_the_status_line(self):
        data = head("HTTP/1.1 404 Not Found", ACAO + ": *")
        code, out = self.check(data, "--preflight", status=3)
        self.assertIn("h.http:1:10: ESTATUS", out)
        self.assertIn("    1 | HTTP/1.1 404 Not Found\n", out)
        error = self.check_json(data, "--preflight", status=3)["preflight"]["error"]
        self.assertEqual((error["code"], error["line"], error["column"]), ("ESTATUS", 1, 10))
        # Without --preflight the status does not matter to the CORS check.
        self.check(data, status=0)

    def test_preflight_reports_a_failed_cors_check_once(self):
        code, out = self.check(head("HTTP/1.1 204 No Content"), "--preflight", status=3)
        self.assertIn("preflight:  FAIL: the CORS check failed\n", out)
        self.assertEqual(out.count("ENOACAO"), 1)

    def test_max_age_cap_default_and_notes(self):
        ok = ["HTTP/1.1 204 No Content", ACAO + ": *"]
        code, out = self.check(head(*ok, "Access-Control-Max-Age: 86400"), "--preflight", "--max-age-cap", "7200",
                               status=0)
        self.assertIn("max-age:    7200 seconds (capped by --max-age-cap; the response says 86400)\n", out)
        report = self.check_json(head(*ok, "Access-Control-Max-Age: 86400"), "--preflight", "--max-age-cap", "7200")
        self.assertEqual((report["preflight"]["max_age"], report["preflight"]["max_age_uncapped"]), (7200, 86400))
        code, out = self.check(head(*ok), "--preflight", status=0)
        self.assertIn("max-age:    5 seconds (the default: no Access-Control-Max-Age)\n", out)
        data = head(*ok, "Access-Control-Max-Age: 10 minutes")
        code, out = self.check(data, "--preflight", status=0)
        self.assertIn("max-age:    5 seconds\n", out)
        self.assertIn("h.http:3:27: EMAXAGE", out)
        note = self.check_json(data, "--preflight")["preflight"]["max_age_note"]
        self.assertEqual((note["code"], note["line"], note["column"]), ("EMAXAGE", 3, 27))
        code, out = self.check(head(*ok, "Access-Control-Max-Age: -1"), "--preflight", status=0)
        self.assertIn("max-age:    0 seconds\n", out)

    def test_invalid_expose_headers_is_explained(self):
        data = head("HTTP/1.1 200 OK", ACAO + ": *", "Access-Control-Expose-Headers: X-A X-B", "X-A: 1",
                    "Content-Type: text/plain")
        code, out = self.check(data, status=0)
        self.assertIn("readable:   content-type\n", out)
        self.assertIn("Access-Control-Expose-Headers is invalid and exposes nothing", out)
        self.assertIn("h.http:3:36: ETOKEN", out)
        report = self.check_json(data, status=0)
        self.assertEqual(report["readable"], ["content-type"])
        note = report["expose_headers_note"]
        self.assertEqual((note["code"], note["line"], note["column"], note["header"]),
                         ("ETOKEN", 3, 36, "Access-Control-Expose-Headers"))

    def test_request_header_lines_decide_unsafe_names(self):
        data = head("HTTP/1.1 204 No Content", ACAO + ": *", "Access-Control-Allow-Headers: x-foo")
        args = ["--preflight", "--method", "POST", "--request-header", "X-Foo: 1", "--request-header",
                "Content-Type: text/plain;charset=UTF-8", "--request-header", "Cookie: a=b"]
        code, out = self.check(data, *args, status=0)
        self.assertIn("preflight with Access-Control-Request-Headers: x-foo\n", out)
        self.assertIn("not sent (forbidden request headers): Cookie\n", out)
        request = self.check_json(data, *args)["request"]
        self.assertEqual((request["acrh"], request["unsafe_headers"], request["dropped_headers"]),
                         ("x-foo", ["x-foo"], ["Cookie"]))
        # application/json is not a safelisted Content-Type: now it needs listing too.
        args[6] = "Content-Type: application/json"
        report = self.check_json(data, *args, status=3)
        self.assertEqual(report["request"]["acrh"], "content-type,x-foo")
        self.assertEqual(report["preflight"]["error"]["code"], "EHEADER")

    def test_no_preflight_for_a_simple_request(self):
        data = head("HTTP/1.1 200 OK", ACAO + ": *")
        code, out = self.check(data, "--method", "post", status=0)
        self.assertIn("request:    POST from https://app.example, credentials same-origin\n", out)
        self.assertIn("no preflight", out)
        self.assertEqual(self.check_json(data, "--method", "post")["request"]["needs_preflight"], False)

    # ---- the raw head reader, through the command ------------------------------------------------------

    def test_head_shapes_that_are_accepted(self):
        for data in (head("HTTP/1.1 200 OK", ACAO + ": *", end="\n"),
                     head("HTTP/1.1 200 OK", ACAO + ": *", blank=False),
                     head("HTTP/1.1 200 OK", ACAO + ": *").rstrip(b"\r\n"),
                     head("HTTP/2 200 ", "access-control-allow-origin: *") + b"<html>body</html>",
                     head("HTTP/1.0 200", ACAO + ": *") + b"X-Body-Line-Without-Colon\r\n"):
            with self.subTest(data=data):
                self.check(data, status=0)

    def test_head_errors(self):
        self.input_error(head("HTTP/1.1 20 OK"), "invalid or missing status line", 1, 12)
        self.input_error(head("<!doctype html>"), "invalid or missing status line", 1, 1)
        self.input_error(b"", "invalid or missing status line", 1, 1)
        self.input_error(head("HTTP/1.1 200 OK", "A: b", " folded"), "obs-fold", 3, 1)
        self.input_error(head("HTTP/1.1 200 OK", "\tX: 1"), "whitespace", 2, 1)
        self.input_error(head("HTTP/1.1 200 OK", "A: b", "NoColonHere"), "without a colon", 3, 12)
        self.input_error(head("HTTP/1.1 200 OK", ACAO + " : *"), "whitespace between a field name and its colon",
                         2, 28)

    def test_head_limits(self):
        big = b"HTTP/1.1 200 OK\r\nX: " + b"a" * (1 << 20) + b"\r\n\r\n"
        self.input_error(big, "longer than 1 MiB", 2, (1 << 20) - 17 + 1)
        many = b"HTTP/1.1 200 OK\r\n" + b"A: b\r\n" * 10000 + b"\r\n"
        self.input_error(many, "too many lines", 10001, 1)
        self.check(b"HTTP/1.1 200 OK\r\n" + b"A: b\r\n" * 9998 + ACAO.encode() + b": *\r\n\r\n", status=0)

    # ---- the command line ------------------------------------------------------------------------------

    def test_usage_errors(self):
        path = self.file(head("HTTP/1.1 200 OK", ACAO + ": *"))
        self.usage_error(["check", "--origin", ORIGIN, "--bogus", path], "unknown option '--bogus'")
        self.usage_error(["check", path], "--origin is required")
        self.usage_error(["check", "--origin"], "needs a value")
        self.usage_error(["check", "--origin", ORIGIN + "/", path], "EORIGIN")
        self.usage_error(["check", "--origin", "HTTPS://app.example", path], "--origin")
        self.usage_error(["check", "--origin", ORIGIN, "--credentials", "all", path], "omit, same-origin, include")
        self.usage_error(["check", "--origin", ORIGIN, "--method", "GE T", path], "ETOKEN")
        self.usage_error(["check", "--origin", ORIGIN, "--method", "track", path], "forbidden method")
        self.usage_error(["check", "--origin", ORIGIN, "--preflight", "--max-age-cap", "ten", path], "--max-age-cap")
        self.usage_error(["check", "--origin", ORIGIN, "--preflight", "--max-age-cap", "4294967296", path],
                         "--max-age-cap")
        self.usage_error(["check", "--origin", ORIGIN, "--max-age-cap", "60", path], "add --preflight")
        self.usage_error(["check", "--origin", ORIGIN, "--request-headers", "a b", path], "ETOKEN")
        self.usage_error(["check", "--origin", ORIGIN, "--request-header", "NoColon", path], "Name: value")
        self.usage_error(["check", "--origin", ORIGIN, "--request-header", "A B: c", path], "ENAME")
        self.usage_error(["check", "--origin", ORIGIN, "--preflight=yes", path], "takes no value")
        self.usage_error(["check", "--origin", ORIGIN, path, path], "more than one input file")
        self.usage_error(["bogus"], "unknown command 'bogus'")
        self.usage_error(["--bogus"], "unknown option '--bogus'")
        self.usage_error([], "a command is needed")

    def test_unreadable_input(self):
        missing = os.path.join(self.tmp.name, "missing.http")
        self.usage_error(["check", "--origin", ORIGIN, missing], "cannot open", status=1)
        self.usage_error(["check", "--origin", ORIGIN, self.tmp.name], "cannot read", status=1)

    def test_help_and_version(self):
        for args in (["--help"], ["-h"], ["check", "--help"], ["check", "--origin", ORIGIN, "-h"]):
            code, out, err = run(args)
            self.assertEqual((code, err), (0, ""))
            self.assertTrue(out.startswith("usage: corshdr"), out)
        code, out, err = run(["check", "--help"])
        for option in ("--origin", "--method", "--request-headers", "--request-header", "--credentials",
                       "--preflight", "--max-age-cap", "--json", "exit status"):
            self.assertIn(option, out)
        code, out, err = run(["--version"])
        self.assertEqual((code, err), (0, ""))
        self.assertRegex(out, r"^corshdr \d+\.\d+\.\d+\n$")


if __name__ == "__main__":
    if len(sys.argv) < 3 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_check.py PATH/TO/corshdr PATH/TO/samples [unittest options]")
    CORSHDR = os.path.abspath(sys.argv.pop(1))
    SAMPLES = os.path.abspath(sys.argv.pop(1))
    unittest.main()
