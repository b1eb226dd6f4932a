"""Tests of `corshdr probe` without a network: the battery it plans, the findings it derives from canned
response heads (the hidden --replay mode: the same head reader, library calls and reports as for a live
server), its reports, exit statuses and command-line errors, and the man page's table of finding IDs.

    /usr/bin/python3 tools/tests/test_probe_replay.py PATH/TO/corshdr PATH/TO/corshdr.1

Standard library only. tools/probe-tests/ tests the same command against real servers.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

CORSHDR = None  # set from argv in __main__
MANPAGE = None

URL = "https://api.example.com/v1"
SITE = "https://app.example.com"

# Every finding ID and its severity: the man page must say the same, and the scenarios must produce each.
SEVERITY = {
    "CORS-CRLF-INJECTION": "critical",
    "CORS-ORIGIN-REFLECTED-CREDENTIALS": "critical",
    "CORS-ORIGIN-NULL-CREDENTIALS": "critical",
    "CORS-ORIGIN-PREFIX-CREDENTIALS": "critical",
    "CORS-ORIGIN-SUFFIX-CREDENTIALS": "critical",
    "CORS-ORIGIN-SUBSTRING-CREDENTIALS": "critical",
    "CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS": "high",
    "CORS-ORIGIN-SPECIAL-CHAR-CREDENTIALS": "high",
    "CORS-ORIGIN-THIRD-PARTY-CREDENTIALS": "high",
    "CORS-ORIGIN-SUBDOMAIN-CREDENTIALS": "medium",
    "CORS-ORIGIN-SIBLING-CREDENTIALS": "medium",
    "CORS-ORIGIN-HTTP-CREDENTIALS": "medium",
    "CORS-ORIGIN-REFLECTED": "medium",
    "CORS-ORIGIN-NULL": "medium",
    "CORS-ORIGIN-PREFIX": "medium",
    "CORS-ORIGIN-SUFFIX": "medium",
    "CORS-ORIGIN-SUBSTRING": "medium",
    "CORS-ORIGIN-UNESCAPED-DOT": "low",
    "CORS-ORIGIN-SPECIAL-CHAR": "low",
    "CORS-ORIGIN-THIRD-PARTY": "low",
    "CORS-ORIGIN-SUBDOMAIN": "low",
    "CORS-ORIGIN-SIBLING": "low",
    "CORS-ORIGIN-HTTP": "low",
    "CORS-ORIGIN-DECODED": "medium",
    "CORS-HOSTILE-ACRH-SLOW": "medium",
    "CORS-WILDCARD-CREDENTIALS": "low",
    "CORS-ACAO-MULTIPLE": "low",
    "CORS-ACAO-INVALID": "low",
    "CORS-ACAC-INVALID": "low",
    "CORS-ACAH-INVALID": "low",
    "CORS-ACAM-INVALID": "low",
    "CORS-ACEH-INVALID": "low",
    "CORS-ACEH-SET-COOKIE": "low",
    "CORS-HEADER-INVALID": "low",
    "CORS-VARY-ORIGIN-MISSING": "low",
    "CORS-PREFLIGHT-STATUS": "low",
    "CORS-MAX-AGE-INVALID": "low",
    "CORS-MAX-AGE-EXCESSIVE": "low",
    "CORS-ACRH-REFLECTED": "low",
    "CORS-ACRM-REFLECTED": "low",
    "CORS-HOSTILE-ACRH-ERROR": "low",
    "CORS-WILDCARD": "info",
    "CORS-PREFLIGHT-ONLY-HEADER": "info",
    "CORS-OBSOLETE-HEADER": "info",
    "CORS-MAX-AGE-CAPPED": "info",
    "CORS-HOSTILE-ACRH-ECHOED": "info",
    "CORS-SITE-ORIGIN-DENIED": "info",
    "CORS-SITE-PREFLIGHT-DENIED": "info",
}
ORDER = ["critical", "high", "medium", "low", "info"]


def h(*lines):
    """A response head (str code points U+0000-U+00FF are bytes)."""
    return "\r\n".join(lines) + "\r\n\r\n"


OK = "HTTP/1.1 200 OK"
NO_CONTENT = "HTTP/1.1 204 No Content"
VARY = "Vary: Origin"
ACAO = "Access-Control-Allow-Origin: "
ALLOW = h(OK, VARY, ACAO + "{origin}")
ALLOW_CREDENTIALS = h(OK, VARY, ACAO + "{origin}", "Access-Control-Allow-Credentials: true")
DENY = h(OK, VARY, "Content-Length: 0")
DENY_PREFLIGHT = h(NO_CONTENT, VARY)
# The site's own requests pass; everything else is refused.
SITE_OK = {"site": {"head": ALLOW},
           "site-preflight": {"head": h(NO_CONTENT, VARY, ACAO + "{origin}", "Access-Control-Allow-Methods: GET")}}


def server(actual=DENY, preflight=DENY_PREFLIGHT, site_ok=True, **probes):
    """Replay answers: actual and preflight defaults, the site's own requests allowed unless site_ok is
    False, and per-probe answers by name, "_" for "-" (a str head, or an answer object)."""
    answers = dict(SITE_OK) if site_ok else {}
    for name, a in probes.items():
        answers[name.replace("_", "-")] = a if isinstance(a, dict) else {"head": a}
    return {"actual": {"head": actual}, "preflight": {"head": preflight}, "probes": answers}


# (name, replay answers, extra arguments (--origin SITE unless the first is "--no-origin"), expected IDs,
# and optionally the expected result when it is not what the IDs give: "inconclusive" when no answer
# allows any origin the probe tried)
SCENARIOS = [
    ("clean", server(), [], set()),
    ("reflected with credentials", server(actual=ALLOW_CREDENTIALS), [], {"CORS-ORIGIN-REFLECTED-CREDENTIALS"}),
    ("reflected, and null with credentials", server(actual=ALLOW, origin_null=ALLOW_CREDENTIALS), [],
     {"CORS-ORIGIN-REFLECTED", "CORS-ORIGIN-NULL-CREDENTIALS"}),
    ("reflected only on preflights", server(preflight=h(NO_CONTENT, VARY, ACAO + "{origin}")), [],
     {"CORS-ORIGIN-REFLECTED"}),
    ("decoded origin", server(origin_special_8=h(OK, VARY, ACAO + SITE + "`.evil.invalid")), [],
     {"CORS-ORIGIN-DECODED"}),
    ("crlf: marker line", server(crlf_3=h(OK, VARY, ACAO + "https://evil.invalid", "X-Corshdr-Injected:3")), [],
     {"CORS-CRLF-INJECTION"}),
    ("crlf: broken head", server(crlf_1=h(OK, VARY, ACAO + "https://evil.invalid", " X-Corshdr-Injected: 1")),
     [], {"CORS-CRLF-INJECTION"}),
    ("crlf: head rejected by the transport",
     server(crlf_1={"error": "Weird server reply: Header without colon", "malformed": True}), [],
     {"CORS-CRLF-INJECTION"}),
    ("crlf: refused", server(crlf_1={"error": "Connection reset by peer"}), [], set()),
    ("crlf: CR in a value", server(crlf_2=h(OK, VARY, ACAO + "https://evil.invalid\rX-Corshdr-Injected: 2")),
     [], {"CORS-CRLF-INJECTION"}),
    ("wildcard", server(actual=h(OK, ACAO + "*"), site_ok=False), ["--no-origin"], {"CORS-WILDCARD"}),
    ("wildcard with credentials",
     server(actual=h(OK, ACAO + "*", "Access-Control-Allow-Credentials: true"), site_ok=False), ["--no-origin"],
     {"CORS-WILDCARD-CREDENTIALS"}),
    ("two ACAO lines", server(site=h(OK, VARY, ACAO + "{origin}", ACAO + "{origin}")), [],
     {"CORS-ACAO-MULTIPLE", "CORS-SITE-ORIGIN-DENIED"}),
    ("two origins in one line", server(actual=h(OK, ACAO + SITE + ", https://admin.example.com"), site_ok=False),
     ["--no-origin"], {"CORS-ACAO-MULTIPLE"}, "inconclusive"),
    ("ACAO with a path", server(actual=h(OK, ACAO + SITE + "/"), site_ok=False), ["--no-origin"],
     {"CORS-ACAO-INVALID"}, "inconclusive"),
    ("ACAC not true", server(actual=h(OK, "Access-Control-Allow-Credentials: True"), site_ok=False), ["--no-origin"],
     {"CORS-ACAC-INVALID"}, "inconclusive"),
    ("ACAH not tokens", server(preflight=h(NO_CONTENT, "Access-Control-Allow-Headers: x-a, x b"), site_ok=False),
     ["--no-origin"], {"CORS-ACAH-INVALID"}, "inconclusive"),
    ("ACAM not tokens", server(preflight=h(NO_CONTENT, "Access-Control-Allow-Methods: GET, PUT;"), site_ok=False),
     ["--no-origin"], {"CORS-ACAM-INVALID"}, "inconclusive"),
    ("ACEH not tokens", server(actual=h(OK, "Access-Control-Expose-Headers: X-A, X B"), site_ok=False),
     ["--no-origin"], {"CORS-ACEH-INVALID"}, "inconclusive"),
    ("ACEH Set-Cookie", server(actual=h(OK, "Access-Control-Expose-Headers: X-Id, set-cookie"), site_ok=False),
     ["--no-origin"], {"CORS-ACEH-SET-COOKIE"}, "inconclusive"),
    ("invalid header name", server(actual=h(OK, "X-Bad@Name: 1"), site_ok=False), ["--no-origin"],
     {"CORS-HEADER-INVALID"}, "inconclusive"),
    ("no Vary", server(actual=h(OK), site=h(OK, ACAO + "{origin}")), [], {"CORS-VARY-ORIGIN-MISSING"}),
    ("preflight 403 allowing the origin", server(site_preflight=h("HTTP/1.1 403 Forbidden", VARY, ACAO + "{origin}")),
     [], {"CORS-PREFLIGHT-STATUS"}),
    ("max-age negative", server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: -1")), [],
     {"CORS-MAX-AGE-INVALID"}),
    ("max-age on two lines",
     server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: 5", "Access-Control-Max-Age: 5")), [],
     {"CORS-MAX-AGE-INVALID"}),
    ("max-age above every cap", server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: 86401")), [],
     {"CORS-MAX-AGE-EXCESSIVE"}),
    ("max-age above WebKit's cap", server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: 7200")), [],
     {"CORS-MAX-AGE-CAPPED"}),
    ("max-age within every cap", server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: 600")), [], set()),
    ("ACRH echoed", server(acrh_made_up=h(NO_CONTENT, "Access-Control-Allow-Headers: {acrh}")), [],
     {"CORS-ACRH-REFLECTED"}),
    ("ACRM echoed", server(acrm_made_up=h(NO_CONTENT, "Access-Control-Allow-Methods: GET, {acrm}")), [],
     {"CORS-ACRM-REFLECTED"}),
    ("hostile ACRH: timeout", server(hostile_commas={"timeout": True}), [], {"CORS-HOSTILE-ACRH-SLOW"}),
    ("hostile ACRH: slow", server(hostile_long_name={"head": DENY_PREFLIGHT, "elapsed_ms": 2500}), [],
     {"CORS-HOSTILE-ACRH-SLOW"}),
    ("hostile ACRH: slow enough", server(hostile_long_name={"head": DENY_PREFLIGHT, "elapsed_ms": 2500}),
     ["--slow", "3000"], set()),
    ("hostile ACRH: connection dropped", server(hostile_commas={"error": "Empty reply from server"}), [],
     {"CORS-HOSTILE-ACRH-ERROR"}),
    ("hostile ACRH: 500", server(hostile_long_name=h("HTTP/1.1 500 Internal Server Error")), [],
     {"CORS-HOSTILE-ACRH-ERROR"}),
    ("hostile ACRH: echoed", server(hostile_long_name=h(NO_CONTENT, "Access-Control-Allow-Headers: {acrh}")), [],
     {"CORS-HOSTILE-ACRH-ECHOED"}),
    ("preflight-only headers on GET", server(actual=h(OK, "Access-Control-Max-Age: 60"), site_ok=False),
     ["--no-origin"], {"CORS-PREFLIGHT-ONLY-HEADER"}, "inconclusive"),
    ("obsolete Access-Control", server(actual=h(OK, "Access-Control: allow <*>"), site_ok=False),
     ["--no-origin"], {"CORS-OBSOLETE-HEADER"}, "inconclusive"),
    ("the site is refused", server(site_ok=False), [], {"CORS-SITE-ORIGIN-DENIED", "CORS-SITE-PREFLIGHT-DENIED"}, "inconclusive"),
    ("the URL's own origin is not judged", server(site_ok=False), ["--no-origin"], set(), "inconclusive"),
]

# One class of untrusted origin allowed, by the first request of that class, with and without credentials.
for probe_name, base in [("origin-null", "NULL"), ("origin-prefix", "PREFIX"), ("origin-suffix-1", "SUFFIX"),
                         ("origin-substring-2", "SUBSTRING"), ("origin-dot-1", "UNESCAPED-DOT"),
                         ("origin-special-1", "SPECIAL-CHAR"), ("origin-third-party-4", "THIRD-PARTY"),
                         ("origin-subdomain", "SUBDOMAIN"), ("origin-sibling", "SIBLING"), ("origin-http", "HTTP")]:
    key = probe_name.replace("-", "_")
    SCENARIOS.append((probe_name + " with credentials", server(**{key: ALLOW_CREDENTIALS}), [],
                      {"CORS-ORIGIN-%s-CREDENTIALS" % base}))
    SCENARIOS.append((probe_name, server(**{key: ALLOW}), [], {"CORS-ORIGIN-" + base}))


def allowing(names, answer=ALLOW_CREDENTIALS):
    """Answers allowing every request named (with credentials by default), the site's own included."""
    return server(**{n.replace("-", "_"): answer for n in names})


SPECIALS = ["origin-special-%d" % i for i in range(1, 23)]
# A finding names a cause only when the evidence proves it: a broader class that was trusted as much explains
# the narrower ones it implies, and only the broader one is reported.
SCENARIOS += [
    # rs/cors "https://*.example.com": the siblings and the site's subdomains, nothing an attacker registers.
    ("subdomains trusted on purpose", allowing(["origin-sibling", "origin-subdomain"]), [],
     {"CORS-ORIGIN-SIBLING-CREDENTIALS"}),
    # endsWith("example.com"): the suffix origins, and every tried name ending in example.com with them.
    ("suffix match explains the dot, the sibling and the subdomain",
     allowing(["origin-suffix-1", "origin-suffix-2", "origin-dot-1", "origin-sibling", "origin-subdomain"]), [],
     {"CORS-ORIGIN-SUFFIX-CREDENTIALS"}),
    # /^https:\/\/(app|admin).example.com$/: the dot alone, with nothing broader to explain it.
    ("unescaped dot alone", allowing(["origin-dot-1"]), [], {"CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS"}),
    # A suffix match without credentials does not explain a dot trusted with them.
    ("dot trusted more than the suffix",
     server(origin_suffix_1=ALLOW, origin_suffix_2=ALLOW, origin_dot_1=ALLOW_CREDENTIALS), [],
     {"CORS-ORIGIN-SUFFIX", "CORS-ORIGIN-UNESCAPED-DOT-CREDENTIALS"}),
    # startsWith("https://app.example.com"): the prefix origin and every special character after the host.
    ("prefix match explains the special characters", allowing(["origin-prefix"] + SPECIALS), [],
     {"CORS-ORIGIN-PREFIX-CREDENTIALS"}),
    ("special characters alone", allowing(SPECIALS[:3]), [], {"CORS-ORIGIN-SPECIAL-CHAR-CREDENTIALS"}),
    # A starts-with match does not explain a sibling, nor a sibling the prefix origin.
    ("sibling and prefix", allowing(["origin-sibling", "origin-prefix"]), [],
     {"CORS-ORIGIN-PREFIX-CREDENTIALS", "CORS-ORIGIN-SIBLING-CREDENTIALS"}),
]


def run(args, timeout=60):
    done = subprocess.run([CORSHDR] + args, capture_output=True, timeout=timeout)
    return done.returncode, done.stdout.decode("ascii"), done.stderr.decode("utf-8", "replace")


class ProbeReplayTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def replay_file(self, answers):
        path = os.path.join(self.tmp.name, "replay.json")
        with open(path, "w") as f:
            json.dump(answers, f)
        return path

    def probe(self, answers, *args, url=URL, json_out=True):
        """(exit status, report or text, stderr) for a probe of url answered from `answers`."""
        args = list(args)
        if args[:1] == ["--no-origin"]:
            args = args[1:]
        elif "--origin" not in args:
            args = ["--origin", SITE] + args
        code, out, err = run(["probe", "--replay", self.replay_file(answers)] + (["--json"] if json_out else [])
                             + args + [url])
        return code, json.loads(out) if json_out and out else out, err

    def test_scenarios(self):
        seen = set()
        for name, answers, args, expected, *result in SCENARIOS:
            with self.subTest(name):
                code, report, err = self.probe(answers, *args)
                self.assertEqual(err, "")
                found = [f["id"] for f in report["findings"]]
                self.assertEqual(set(found), expected)
                self.assertEqual(len(found), len(set(found)), "one finding per ID")
                # Most severe first, then in the man page's order.
                ranks = [(ORDER.index(f["severity"]), list(SEVERITY).index(f["id"])) for f in report["findings"]]
                self.assertEqual(ranks, sorted(ranks))
                for f in report["findings"]:
                    self.assertEqual(f["severity"], SEVERITY[f["id"]], f["id"])
                    self.assertGreaterEqual(f["occurrences"], 1)
                    self.assertTrue(f["detail"] and f["title"])
                    if f["request"]["error"] is None:
                        self.assertTrue(f["response_lines"][0]["text"].startswith("HTTP/1.1 "), f)
                failed = any(ORDER.index(SEVERITY[i]) <= ORDER.index("high") for i in expected)
                want = result[0] if result else "fail" if failed else "pass"
                self.assertEqual((code, report["failed"], report["result"]),
                                 ({"fail": 3, "pass": 0, "inconclusive": 4}[want], want == "fail", want))
                seen |= expected
        self.assertEqual(seen, set(SEVERITY), "every finding ID has a scenario")

    def test_evidence(self):
        _, report, _ = self.probe(server(actual=ALLOW_CREDENTIALS))
        f = report["findings"][0]
        self.assertEqual(f["request"]["probe"], "origin-reflected")
        self.assertEqual([(l["line"], l["text"]) for l in f["response_lines"]],
                         [(1, OK), (3, ACAO + "https://evil.invalid"), (4, "Access-Control-Allow-Credentials: true")])
        self.assertEqual(f["occurrences"], 1)
        # The preflight shows it too, and is counted.
        _, report, _ = self.probe(server(actual=ALLOW_CREDENTIALS,
                                         preflight=h(NO_CONTENT, VARY, ACAO + "{origin}",
                                                     "Access-Control-Allow-Credentials: true")))
        self.assertEqual(report["findings"][0]["occurrences"], 2)

        other_vary = "Vary: Accept-Encoding"
        _, report, _ = self.probe(server(actual=h(OK, other_vary), site=h(OK, other_vary, ACAO + "{origin}")))
        f = report["findings"][0]
        self.assertEqual(f["id"], "CORS-VARY-ORIGIN-MISSING")
        self.assertIn("a Vary without Origin", f["detail"])
        self.assertEqual(f["request"]["probe"], "site", "the answer with an ACAO line is the proof")

        _, report, _ = self.probe(server(crlf_1=h(OK, VARY, ACAO + "https://evil.invalid", " X-Corshdr-Injected: 1")))
        f = report["findings"][0]
        self.assertIn("broke at line 4", f["detail"])
        self.assertEqual(f["request"]["origin"], "https://evil.invalid%0d%0aX-Corshdr-Injected:%201")

        _, report, _ = self.probe(server(preflight=h(NO_CONTENT, "Access-Control-Max-Age: 10000")))
        self.assertIn("capped at 600 s by WebKit and 7200 s by Chromium", report["findings"][0]["detail"])

    def test_plan(self):
        """The battery for a site with a port: the derived origins and the preflights' values."""
        _, report, _ = self.probe(server(), "--origin", SITE + ":8443", "--method", "put",
                                  "--request-headers", "X-Trace, content-type")
        origins = {r["probe"]: r["origin"] for r in report["requests"]}
        expect = {
            "site": SITE + ":8443",
            "origin-reflected": "https://evil.invalid:8443",
            "origin-reflected-preflight": "https://evil.invalid:8443",
            "origin-null": "null",
            "origin-prefix": "https://app.example.com.evil.invalid:8443",
            "origin-suffix-1": "https://evilexample.com:8443",
            "origin-suffix-2": "https://evil-example.com:8443",
            # Parts of the name that an attacker can register; not pp.example.com (a sibling subdomain).
            "origin-substring-1": "https://app.example.co:8443",
            "origin-substring-2": "https://xample.com:8443",
            # The first dot only: app.examplexcom has no registrable domain.
            "origin-dot-1": "https://appxexample.com:8443",
            "origin-special-1": "https://app.example.com_.evil.invalid:8443",
            "origin-special-8": "https://app.example.com%60.evil.invalid:8443",
            "origin-special-11": "https://app.example.com`.evil.invalid:8443",
            "origin-special-22": "https://app.example.com%0b.evil.invalid:8443",
            "origin-third-party-1": "https://codepen.io",
            "origin-subdomain": "https://evil.app.example.com:8443",
            "origin-sibling": "https://evil.example.com:8443",
            "origin-http": "http://app.example.com:8443",
            "crlf-1": "https://evil.invalid%0d%0aX-Corshdr-Injected:%201",
            "crlf-2": "https://evil.invalid%0D%0AX-Corshdr-Injected:%202",
            "crlf-3": "https://evil.invalid%0aX-Corshdr-Injected:3",
            "crlf-4": "https://evil.invalid\u00e5\u0098\u008d\u00e5\u0098\u008aX-Corshdr-Injected:4",
        }
        for name, origin in expect.items():
            self.assertEqual(origins.get(name), origin, name)
        self.assertNotIn("origin-dot-2", origins)
        self.assertEqual(report["registrable_domain"], "example.com")
        self.assertEqual(len([n for n in origins if n.startswith("origin-special-")]), 22)
        self.assertEqual(len(report["requests"]), len(origins), "names are unique")
        by = {r["probe"]: r for r in report["requests"]}
        self.assertEqual((by["site-preflight"]["method"], by["site-preflight"]["access_control_request_method"],
                          by["site-preflight"]["access_control_request_headers"]),
                         ("OPTIONS", "PUT", "content-type,x-trace"))
        self.assertEqual(by["acrm-made-up"]["access_control_request_method"], "CORSHDR-MADE-UP")
        self.assertEqual(by["hostile-commas"]["access_control_request_headers"], "," * 1024 + "x-corshdr-hostile")
        self.assertEqual(by["hostile-long-name"]["access_control_request_headers"], "x-" + "a" * 4094)
        self.assertEqual({r["method"] for r in report["requests"] if not r["probe"].endswith("preflight")
                          and r["access_control_request_method"] is None}, {"GET"})

    def test_plan_uses_the_public_suffix_list(self):
        """Registrable domains come from the Public Suffix List: co.uk and github.io are suffixes."""
        def origins(site):
            _, report, _ = self.probe(server(site_ok=False), "--origin", site)
            return report, {r["probe"]: r["origin"] for r in report["requests"] if r["probe"].startswith("origin-")}

        report, o = origins("https://www.example.co.uk")
        self.assertEqual(report["registrable_domain"], "example.co.uk")
        self.assertEqual((o["origin-suffix-1"], o["origin-substring-2"], o["origin-sibling"]),
                         ("https://evilexample.co.uk", "https://xample.co.uk", "https://evil.example.co.uk"))
        # www.example.co.u has no listed suffix; www.example.coxuk neither.
        self.assertNotIn("origin-substring-1", o)
        self.assertEqual((o["origin-dot-1"], o["origin-dot-2"]), ("https://wwwxexample.co.uk", "https://www.examplexco.uk"))
        self.assertNotIn("origin-dot-3", o)

        report, o = origins("https://myapp.github.io")
        self.assertEqual(report["registrable_domain"], "myapp.github.io")
        self.assertEqual((o["origin-suffix-1"], o["origin-subdomain"]), ("https://evilmyapp.github.io",
                                                                          "https://evil.myapp.github.io"))
        self.assertNotIn("origin-sibling", o, "the registrable domain is the host: its sibling is its subdomain")

        # A single-label host has no registrable domain: only what needs none is tried, and the text says so.
        report, o = origins("https://intranet")
        self.assertIsNone(report["registrable_domain"])
        self.assertFalse([n for n in o if n.startswith(("origin-suffix", "origin-substring", "origin-dot",
                                                        "origin-sibling"))], o)
        self.assertEqual(o["origin-subdomain"], "https://evil.intranet")
        code, out, _ = self.probe(server(site_ok=False), "--origin", "https://intranet", json_out=False)
        self.assertIn("note:     intranet has no registrable domain (Public Suffix List): the suffix, substring, "
                      "unescaped-dot and\n          sibling origins were not tried\n", out)

    def test_plan_for_an_ip_origin(self):
        _, report, _ = self.probe(server(site_ok=False), "--no-origin", url="http://127.0.0.1:8080/x?y=1")
        self.assertEqual(report["origin"], "http://127.0.0.1:8080")
        self.assertFalse(report["origin_given"])
        self.assertIsNone(report["registrable_domain"])
        names = {r["probe"]: r["origin"] for r in report["requests"]}
        self.assertFalse([n for n in names if n.startswith(("origin-subdomain", "origin-sibling", "origin-http",
                                                            "origin-suffix", "origin-substring", "origin-dot"))])
        self.assertEqual(names["origin-prefix"], "http://127.0.0.1.evil.invalid:8080")
        self.assertEqual(report["requests"][0]["path"], "/x?y=1")
        code, report, _ = self.probe(server(site_ok=False), "--no-origin", "--method", "HEAD", url="http://[::1]/")
        self.assertEqual(report["origin"], "http://[::1]")
        self.assertEqual(report["requests"][0]["method"], "HEAD")

    def test_fail_on(self):
        answers = server(actual=ALLOW)  # CORS-ORIGIN-REFLECTED, medium
        for level, status in [("info", 3), ("low", 3), ("medium", 3), ("high", 0), ("critical", 0)]:
            code, report, _ = self.probe(answers, "--fail-on", level)
            self.assertEqual((code, report["fail_on"], report["failed"]), (status, level, status == 3))
        code, report, _ = self.probe(answers)
        self.assertEqual((code, report["fail_on"]), (0, "high"))
        self.assertEqual(report["counts"], {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0})

    def test_text_report(self):
        code, out, err = self.probe(server(actual=ALLOW_CREDENTIALS, crlf_4=ALLOW), json_out=False)
        self.assertEqual((code, err), (3, ""))
        self.assertRegex(out, r"^probe:    %s\norigin:   %s, credentials same-origin, method GET\n"
                              r"requests: 49 in \d+ ms; slowest 'site' 1\.0 ms\n\n" % (re.escape(URL), re.escape(SITE)))
        self.assertIn("critical  CORS-ORIGIN-REFLECTED-CREDENTIALS\n"
                      "  any origin may read responses, with the user's credentials\n"
                      "  the untrusted origin https://evil.invalid may read responses with credentials\n"
                      "  request 'origin-reflected': GET /v1\n"
                      "    Origin: https://evil.invalid\n"
                      "  response (1.0 ms):\n"
                      "      1 | HTTP/1.1 200 OK\n"
                      "      3 | Access-Control-Allow-Origin: https://evil.invalid\n"
                      "      4 | Access-Control-Allow-Credentials: true\n\n", out)
        self.assertTrue(out.endswith("findings: 1 critical, 0 high, 0 medium, 0 low, 0 info\n"
                                     "result:   FAIL (--fail-on high)\n"), out)
        self.assertTrue(out.isascii())
        # Bytes from a request or an answer are escaped.
        _, out, _ = self.probe(server(crlf_4=h(OK, VARY, ACAO + "\u00e5\u001b[31m")), json_out=False)
        self.assertIn("Access-Control-Allow-Origin: \\xE5\\x1B[31m", out)
        self.assertNotIn("\x1b", out)
        # --header lines are sent but never shown.
        _, out, _ = self.probe(server(actual=ALLOW_CREDENTIALS), "--header", "Cookie: session=secret",
                               json_out=False)
        self.assertIn("(and 1 line from --header, not shown)", out)
        self.assertNotIn("secret", out)
        _, out, _ = self.probe(server(), json_out=False)
        self.assertTrue(out.endswith("findings: none\nresult:   pass (--fail-on high)\n"), out)

    def test_answer_errors(self):
        """A normal request without a usable answer stops the probe with one error line, exit 1."""
        cases = [
            (server(origin_prefix={"error": "Connection reset by peer"}),
             "corshdr: probe: %s: no answer to request 'origin-prefix' (GET): Connection reset by peer\n" % URL),
            (server(origin_null=h(OK, "A : b")),
             "corshdr: probe: %s: malformed answer to request 'origin-null' (GET): line 2, column 2: whitespace "
             "between a field name and its colon (expected ':' right after the field name, no whitespace)\n" % URL),
            (server(site_preflight="HTTP/1.1 2000 OK\r\n\r\n"),
             "corshdr: probe: %s: malformed answer to request 'site-preflight' (OPTIONS): line 1, column 13: "
             "invalid or missing status line (expected SP or the end of the line after the status code)\n" % URL),
            (server(origin_null={"error": "Weird server reply", "malformed": True}),
             "corshdr: probe: %s: malformed answer to request 'origin-null' (GET): Weird server reply\n" % URL),
            ({"probes": {}}, "corshdr: probe: %s: no answer to request 'site' (GET): replay: no answer for 'site'\n"
             % URL),
        ]
        for answers, message in cases:
            code, out, err = self.probe(answers)
            self.assertEqual((code, out, err), (1, "", message))

    def test_usage_errors(self):
        replay = self.replay_file(server())
        cases = [
            ([], "probe: a URL or --targets FILE is required"),
            ([URL, URL], "probe: more than one URL"),
            (["--targets", "t.txt", URL], "give either a URL or --targets FILE, not both"),
            (["--shard", "1/2", URL], "probe: --shard '': splits a --targets FILE; there is none"),
            (["--shard", "3/2", URL], "probe: --shard '3/2': expected K/N with 1 <= K <= N <= 100000"),
            (["--shard", "0/2", URL], "probe: --shard '0/2':"),
            (["--concurrency", "0", URL], "probe: --concurrency '0': expected a number of requests, 1 to 1024"),
            (["--per-host", "2000", URL], "probe: --per-host '2000':"),
            (["--deadline", "0", URL], "probe: --deadline '0': expected seconds"),
            (["--max-head", "307201", URL], "probe: --max-head '307201': expected bytes, 64 to 307200"),
            (["ftp://x/"], "probe: URL 'ftp://x/': only http and https URLs can be probed"),
            (["--fail-on", "severe", URL], "probe: --fail-on 'severe': expected info, low, medium, high or critical"),
            (["--origin", "https://App.example", URL], "probe: --origin 'https://App.example': not a serialized"),
            (["--origin", "null", URL], "probe: --origin 'null': the site's own origin cannot be null"),
            (["--method", "TRACE", URL], "probe: --method 'TRACE': a forbidden method"),
            (["--method", "GE T", URL], "probe: --method 'GE T':"),
            (["--credentials", "yes", URL], "probe: --credentials 'yes': expected omit, same-origin or include"),
            (["--header", "Origin: https://x.example", URL], "the probe sets this header itself"),
            (["--header", "access-control-request-method: GET", URL], "the probe sets this header itself"),
            (["--header", "NoColon", URL], "probe: --header 'NoColon': expected 'Name: value'"),
            (["--header", "Bad Name: x", URL], "probe: --header 'Bad Name: x':"),
            (["--request-headers", "a b", URL], "probe: --request-headers 'a b':"),
            (["--timeout", "0", URL], "probe: --timeout '0': expected seconds"),
            (["--connect-timeout", "x", URL], "probe: --connect-timeout 'x': expected seconds"),
            (["--max-head", "10", URL], "probe: --max-head '10': expected bytes, 64 to 307200 (libcurl refuses "
                                        "longer answers itself)"),
            (["--slow", "0", URL], "probe: --slow '0':"),
            (["--bogus", URL], "probe: unknown option '--bogus'"),
            (["--replay", os.path.join(self.tmp.name, "missing.json"), URL], "probe: --replay"),
        ]
        for args, message in cases:
            with self.subTest(args):
                if "--replay" not in args and args and args[0] != "--bogus":
                    args = ["--replay", replay] + args
                code, out, err = run(["probe"] + args)
                self.assertEqual(code, 2, err)
                self.assertEqual(out, "")
                self.assertTrue(err.startswith("corshdr: "), err)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn(message, err)

    def test_inconclusive(self):
        """No answer allows any tried origin: the verdict is inconclusive, exit 4, never a pass."""
        code, out, err = self.probe(server(site_ok=False), "--no-origin", url="http://127.0.0.1:8080/api",
                                    json_out=False)
        self.assertEqual((code, err), (4, ""))
        self.assertTrue(out.endswith("findings: none\n"
                                     "result:   inconclusive: no tried origin was allowed, not even the site's own "
                                     "(http://127.0.0.1:8080)\n"
                                     "hint:     give the origin of a page that calls this URL with --origin ORIGIN\n"),
                        out)
        # An answer that allows another origin than the one asked for is the hint.
        fixed = server(actual=h(OK, ACAO + SITE), site_ok=False)
        code, report, _ = self.probe(fixed, "--no-origin", url="http://127.0.0.1:8080/api")
        self.assertEqual((code, report["result"], report["origin_hint"]), (4, "inconclusive", SITE))
        code, out, _ = self.probe(fixed, "--no-origin", url="http://127.0.0.1:8080/api", json_out=False)
        self.assertIn("hint:     an answer allowed %s instead: probe again with --origin %s\n" % (SITE, SITE), out)
        # A finding at or above --fail-on still fails; `*` allows the site (without credentials): a verdict.
        code, report, _ = self.probe(server(site_ok=False, crlf_3=h(OK, "X-Corshdr-Injected: 3")), "--no-origin")
        self.assertEqual((code, report["result"]), (3, "fail"))
        code, report, _ = self.probe(server(actual=h(OK, ACAO + "*"), site_ok=False), "--no-origin")
        self.assertEqual((code, report["result"]), (0, "pass"))

    def test_arguments_are_escaped_and_cut(self):
        replay = self.replay_file(server())
        cases = [
            (["--origin", "https://a\r\nX-Evil: 1"], "probe: --origin 'https://a\\x0D\\x0AX-Evil: 1': "),
            (["--method", "G\x1b[31mET"], "probe: --method 'G\\x1B[31mET': "),
            (["--fail-on", "\x1b]0;owned\x07"], "probe: --fail-on '\\x1B]0;owned\\x07': "),
            (["--bad\x1b[2J"], "probe: unknown option '--bad\\x1B[2J'"),
            (["--origin", "https://" + "a" * 100000], "probe: --origin 'https://" + "a" * 56 + "... (100008 bytes)': "),
        ]
        for args, message in cases:
            with self.subTest(args[0]):
                code, out, err = run(["probe", "--replay", replay] + args + [URL])
                self.assertEqual((code, out), (2, ""))
                self.assertIn(message, err)
                self.assertEqual(err.count("\n"), 1)
                self.assertLess(len(err), 600)
                self.assertTrue(err.isascii() and "\x1b" not in err and "\r" not in err, repr(err))

    def targets_file(self, lines):
        path = os.path.join(self.tmp.name, "targets.txt")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def test_targets(self):
        """--targets without a network: records in order, each with its line and its own settings."""
        path = self.targets_file(["# the APIs", "", URL,
                                  json.dumps({"url": "https://api.example.com/v2", "origin": "https://www.example.org",
                                              "method": "DELETE", "credentials": "include",
                                              "request_headers": ["x-a", "X-B"]}),
                                  "  https://api.example.com/v3  "])
        answers = server(actual=ALLOW_CREDENTIALS)
        code, out, err = run(["probe", "--replay", self.replay_file(answers), "--targets", path, "--json",
                              "--origin", SITE])
        self.assertEqual((code, err), (3, ""))
        got = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([(r["url"], r["line"], r["origin"]) for r in got],
                         [(URL, 3, SITE), ("https://api.example.com/v2", 4, "https://www.example.org"),
                          ("https://api.example.com/v3", 5, SITE)])
        self.assertEqual((got[1]["method"], got[1]["credentials"]), ("DELETE", "include"))
        preflight = [r for r in got[1]["requests"] if r["probe"] == "site-preflight"][0]
        self.assertEqual(preflight["access_control_request_headers"], "x-a,x-b")
        self.assertEqual({r["result"] for r in got}, {"fail"})
        # Shards by place among the targets (not lines).
        code, out, err = run(["probe", "--replay", self.replay_file(answers), "--targets", path, "--json",
                              "--shard", "2/2"])
        self.assertEqual([json.loads(l)["line"] for l in out.splitlines()], [4])
        # A target that cannot be reached is a record, and the others go on: exit 1 unless one fails.
        answers = server(site={"unreachable": True})
        code, out, err = run(["probe", "--replay", self.replay_file(answers), "--targets", path, "--json"])
        self.assertEqual((code, err), (1, ""))
        got = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([(r["result"], r["unreachable"]) for r in got], [("error", True)] * 3)
        self.assertEqual(got[0]["error"], "cannot reach %s: Could not connect to server (replayed)" % URL)
        code, out, err = run(["probe", "--replay", self.replay_file(answers), "--targets", path])
        self.assertEqual(code, 1)
        self.assertIn("probe:    %s (line 3)\nerror:    cannot reach %s: Could not connect to server (replayed)\n"
                      "result:   error\n" % (URL, URL), out)
        self.assertTrue(out.endswith("targets:  3: 0 fail, 3 error, 0 inconclusive, 0 pass (--fail-on high)\n"))
        # One target: the error line is the whole answer.
        code, out, err = run(["probe", "--replay", self.replay_file(answers), URL])
        self.assertEqual((code, out, err), (1, "", "corshdr: probe: cannot reach %s: Could not connect to server "
                                                    "(replayed)\n" % URL))

    def test_sarif(self):
        path = self.targets_file([URL, "https://api.example.com/down", "https://api.example.com/quiet"])
        answers = server(actual=ALLOW_CREDENTIALS)
        answers["probes"]["site"] = {"head": ALLOW}
        sarif = os.path.join(self.tmp.name, "out.sarif")
        code, out, err = run(["probe", "--replay", self.replay_file(answers), "--targets", path, "--json",
                              "--sarif", sarif, "--origin", SITE])
        self.assertEqual((code, err), (3, ""))
        with open(sarif) as f:
            log = json.load(f)
        self.assertEqual(log["version"], "2.1.0")
        run_ = log["runs"][0]
        rules = run_["tool"]["driver"]["rules"]
        self.assertEqual([r["id"] for r in rules], list(SEVERITY), "every finding ID is a rule, in order")
        self.assertEqual([r["properties"]["severity"] for r in rules], list(SEVERITY.values()))
        results = run_["results"]
        self.assertEqual(len(results), 3 * len(json.loads(out.splitlines()[0])["findings"]))
        x = results[0]
        self.assertEqual((x["ruleId"], x["level"], rules[x["ruleIndex"]]["id"]),
                         ("CORS-ORIGIN-REFLECTED-CREDENTIALS", "error", "CORS-ORIGIN-REFLECTED-CREDENTIALS"))
        self.assertEqual(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], URL)
        self.assertEqual((x["properties"]["request"], x["properties"]["origin"], x["properties"]["targetLine"]),
                         ("origin-reflected", "https://evil.invalid", 1))
        self.assertEqual(os.listdir(self.tmp.name).count("out.sarif"), 1)
        self.assertFalse([n for n in os.listdir(self.tmp.name) if ".tmp" in n], "no temporary file left")
        # A bad command line writes no log at all.
        os.remove(sarif)
        code, _, _ = run(["probe", "--replay", self.replay_file(answers), "--targets", path, "--sarif", sarif,
                          "--fail-on", "nope"])
        self.assertEqual(code, 2)
        self.assertFalse(os.path.exists(sarif))

    def test_help(self):
        code, out, err = run(["probe", "--help"])
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("usage: corshdr probe [options] URL\n"))
        for option in ("--origin", "--method", "--request-headers", "--credentials", "--header", "--fail-on",
                       "--json", "--connect-timeout", "--timeout", "--deadline", "--slow", "--max-head", "--max-body",
                       "--follow-redirects", "--env-proxy", "--insecure", "--targets", "--shard", "--concurrency",
                       "--per-host", "--sarif", "--no-progress"):
            self.assertRegex(out, r"\n  (-\w, )?%s" % option)
        self.assertNotIn("--replay", out)
        code, out, _ = run(["--help"])
        self.assertIn("  probe ", out)

    def test_man_page(self):
        with open(MANPAGE, encoding="utf-8") as f:
            text = f.read()
        documented = dict(re.findall(r"^\.B (CORS-[A-Z-]+)\n\\fB(info|low|medium|high|critical)\\fR", text, re.M))
        self.assertEqual(documented, SEVERITY)
        ids = re.findall(r"^\.B (CORS-[A-Z-]+)\n", text, re.M)
        self.assertEqual(ids, list(SEVERITY), "the man page lists them in the report's order")
        # Every probe option has its own entry in the options section.
        for option in ("origin", "method", "request-headers", "credentials", "header", "fail-on", "json",
                       "connect-timeout", "timeout", "deadline", "slow", "max-head", "max-body", "follow-redirects",
                       "env-proxy", "targets", "shard", "concurrency", "per-host", "sarif", "no-progress"):
            self.assertRegex(text, r"\n\.BI? \\-\\-%s\b" % option.replace("-", r"\\-"), option)
        self.assertIn(".B 4\n.BR probe :\ninconclusive", text)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_probe_replay.py PATH/TO/corshdr PATH/TO/corshdr.1 [unittest options]")
    CORSHDR = os.path.abspath(sys.argv.pop(1))
    MANPAGE = os.path.abspath(sys.argv.pop(1))
    unittest.main()
