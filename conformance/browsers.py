#!/usr/bin/python3
"""What real browsers do with the browser-checkable vectors (the `exposed`, `cors-check` and `preflight`
ops), compared with each vector's expectation for that engine (its variant, else `expected`).

    /usr/bin/python3 -m conformance.browsers [--engine chromium] [--engine firefox] [--out DIR]
                                             [--record] [--only SUBSTRING] [--timeout SECONDS]

For each engine it starts two loopback origins (browser/wire.py): the page origin serves a page
(browser/page.js) that runs every test with fetch() against the target origin, which answers each test
URL with the vector's response bytes. Headless Debian `chromium` and `firefox-esr` are started on the
page with a fresh profile and ended when the page has posted its results. Per engine it prints agree,
disagree and skipped (with the reason) and every disagreement with the evidence; it exits 1 when any
vector disagrees with its expectation for the engine (a disagreement no vector records), 2 when the
run itself could not be made. CHECKING.md in this directory says how each op is observed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
for extra in (HERE, HERE / "reference", HERE / "browser"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import runner  # noqa: E402
import wire  # noqa: E402
from corsref.cors import CORS_SAFELISTED_METHODS, normalize_method  # noqa: E402
from corsref.infra import is_token  # noqa: E402
from corsref.request import is_cors_safelisted_request_header, is_forbidden_method, \
    is_forbidden_request_header  # noqa: E402

CHECKABLE_OPS = ("exposed", "cors-check", "preflight")
ENGINES = ("chromium", "firefox")
RECORD_DIR = HERE / "results" / "browsers"
PAGE_JS = HERE / "browser" / "page.js"
ACAO, ACAC = b"access-control-allow-origin", b"access-control-allow-credentials"

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio"]
# Firefox: no first-run pages, no network traffic of its own, nothing that could pop up.
FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False, "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False, "startup.homepage_welcome_url": "about:blank",
    "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.reportingpolicy.firstRun": False,
    "toolkit.telemetry.enabled": False, "datareporting.healthreport.uploadEnabled": False,
    "app.update.enabled": False, "app.update.auto": False, "extensions.update.enabled": False,
    "app.normandy.enabled": False, "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False, "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False, "network.connectivity-service.enabled": False,
    "browser.newtabpage.enabled": False, "browser.search.update": False,
    "network.dns.disablePrefetch": True, "network.prefetch-next": False,
    "services.settings.server": "http://127.0.0.1:9/", "browser.region.network.url": "",
    "dom.security.https_first": False, "browser.tabs.warnOnClose": False,
}


def iso(s: str) -> bytes:
    return s.encode("latin-1")


# ---- from a vector to a browser test ------------------------------------------------------------

@dataclass
class Test:
    case: dict
    number: int
    group: str                      # "normal" (the page's origin) or "null" (an opaque origin)
    credentials: str
    method: str
    request_headers: list           # [[name, value]] set by the page
    response: bytes                 # the vector's response (the preflight response for `preflight`)
    main: bytes | None = None       # `preflight`: the actual request's (permissive) response
    added: set = field(default_factory=set)   # response header names the harness added (lowercase)

    @property
    def path(self) -> str:
        return "/t/%d" % self.number

    @property
    def probe_path(self) -> str:
        return "/p/%d" % self.number


def body_for(headers: list[tuple[bytes, bytes]]) -> bytes:
    """A body that matches the vector's own Content-Length (one line of digits), so the response is
    well framed; otherwise none (the connection's end delimits it)."""
    lengths = [v.strip(b" \t") for n, v in headers if n.lower() == b"content-length"]
    if len(lengths) == 1 and lengths[0].isdigit() and int(lengths[0]) <= 1 << 20:
        return b"x" * int(lengths[0])
    return b""


def substitute_origin(headers, vector_origin: bytes, page_origin: bytes):
    """The vector's request origin replaced by the page's inside Access-Control-Allow-Origin values,
    the one rewrite of a vector's bytes: a value equal to, containing or differing from the vector's
    origin keeps that relation to the page's origin."""
    if vector_origin == b"null":
        return list(headers)
    return [(n, v.replace(vector_origin, page_origin) if n.lower() == ACAO else v) for n, v in headers]


def request_header_value(name: bytes) -> bytes | None:
    """A value that makes `name` a CORS-unsafe request-header (so it is listed in the preflight's
    Access-Control-Request-Headers, as the vector's request_headers are), or None."""
    for value in (b"1", b'"', b"x/y"):
        if not is_cors_safelisted_request_header(name, value):
            return value
    return None


def make_test(case: dict, number: int, page_origin: bytes):
    """A Test, or a string saying why the vector cannot be run in a browser."""
    op, given = case["op"], case["input"]
    headers = [(iso(n), iso(v)) for n, v in given["headers"]]
    credentials = given["credentials"]
    if op == "exposed":
        # The op assumes the CORS check passed: the harness makes it pass for the page's origin.
        allow_origin = [i for i, (n, _) in enumerate(headers) if n.lower() == ACAO]
        if len(allow_origin) > 1:
            return "two Access-Control-Allow-Origin lines fail the CORS check that the op assumes passed"
        test = Test(case, number, "normal", credentials, "GET", [], b"")
        if allow_origin:
            i = allow_origin[0]
            value = headers[i][1].strip(b" \t")
            if value != b"*" or credentials == "include":
                headers[i] = (headers[i][0], page_origin)
        else:
            headers.append((b"Access-Control-Allow-Origin", page_origin))
            test.added.add("access-control-allow-origin")
        if credentials == "include":
            allow_credentials = [v.strip(b" \t") for n, v in headers if n.lower() == ACAC]
            if not allow_credentials:
                headers.append((b"Access-Control-Allow-Credentials", b"true"))
                test.added.add("access-control-allow-credentials")
            elif allow_credentials != [b"true"]:
                return "its Access-Control-Allow-Credentials fails the CORS check that the op assumes passed"
        test.response = wire.response_bytes(200, headers, body_for(headers))
        return test
    origin = iso(given["origin"])
    group = "null" if origin == b"null" else "normal"
    request_origin = b"null" if group == "null" else page_origin
    headers = substitute_origin(headers, origin, page_origin)
    if op == "cors-check":
        return Test(case, number, group, credentials, "GET", [],
                    wire.response_bytes(200, headers, body_for(headers)))
    # preflight
    method = iso(given["method"])
    if not is_token(method):
        return "its method is not a token: fetch() throws before any request"
    if is_forbidden_method(method):
        return "its method is a forbidden method: fetch() throws before any request"
    request_headers = []
    for name in given["request_headers"]:
        name_b = iso(name)
        if not is_token(name_b):
            return "request header %r is not a header name: fetch() throws" % name
        value = request_header_value(name_b)
        if value is None or is_forbidden_request_header(name_b, value):
            return "request header %r is a forbidden request-header: the page cannot set it" % name
        request_headers.append([name, value.decode("latin-1")])
    if normalize_method(method) in CORS_SAFELISTED_METHODS and not request_headers:
        return "a browser sends no preflight for this request (safelisted method, no request headers)"
    main = [(b"Access-Control-Allow-Origin", request_origin), (b"Content-Length", b"0")]
    if credentials == "include":
        main.append((b"Access-Control-Allow-Credentials", b"true"))
    return Test(case, number, group, credentials, method.decode("latin-1"), request_headers,
                wire.response_bytes(given["status"], headers, body_for(headers)),
                main=wire.response_bytes(200, main))


# ---- what the browser's behaviour is compared with ----------------------------------------------

def observable(op: str, expected: dict) -> dict:
    """The part of an expected result a page can observe. `network_error` is told from a CORS failure
    by a no-cors request; a preflight result's max_age only as whether a second identical request
    reuses it (max_age > 0) or sends a new preflight (0): the caps of the engines are beyond a test."""
    if expected.get("network_error"):
        return {"network_error": True}
    if op == "exposed":
        return {"readable": expected["readable"]}
    if op == "cors-check":
        return {"ok": expected["ok"]}
    out = {"ok": expected["ok"]}
    if expected["ok"] and "max_age" in expected:
        out["cached"] = expected["max_age"] > 0
    return out


def expectation(case: dict, engine: str) -> tuple[dict, str]:
    """(expected result, where it comes from) for an engine: its variant, else the base."""
    variant = case.get("variants", {}).get(engine)
    if variant is not None:
        return variant["expected"], "variant %s" % engine
    return case["expected"], "expected"


def observe(test: Test, answer: dict, requests: list) -> tuple[dict, dict]:
    """(what the engine did, as an observable result; the evidence)."""
    preflights = [r for r in requests if r.method == "OPTIONS" and "access-control-request-method" in r.headers]
    first, probe, second = answer.get("first", {}), answer.get("probe"), answer.get("second")
    evidence = {"first": first}
    if probe is not None:
        evidence["no-cors probe"] = probe
    if second is not None:
        evidence["second"] = second
    seen = [r for r in requests]
    evidence["requests"] = [
        {k: v for k, v in (("method", r.method), ("origin", r.headers.get("origin")),
                            ("acrm", r.headers.get("access-control-request-method")),
                            ("acrh", r.headers.get("access-control-request-headers"))) if v is not None}
        for r in seen]
    op = test.case["op"]
    status = test.case["input"].get("status", 200)
    if not first.get("resolved"):
        if op == "preflight" and not 200 <= status <= 299:
            # A preflight fails on its status before its header list matters; a 1xx or 407 answer is
            # also a network error at the HTTP layer (interim response; proxy challenge), as in Fetch.
            return {"ok": False}, evidence
        if probe is not None and not probe.get("resolved"):
            return {"network_error": True}, evidence
        if op == "exposed":
            return {"cors_check_failed": True}, evidence
        return {"ok": False}, evidence
    if op == "exposed":
        names = sorted({n.lower() for n in first.get("names", [])} - test.added)
        return {"readable": names}, evidence
    if op == "cors-check":
        return {"ok": True}, evidence
    out = {"ok": True}
    if second is None or not second.get("resolved"):
        out["second_request_failed"] = True
    else:
        out["cached"] = len(preflights) == 1
    return out, evidence


# ---- engines ------------------------------------------------------------------------------------

@dataclass
class Engine:
    name: str
    program: str

    def version(self) -> str:
        try:
            done = subprocess.run([self.program, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "unknown (%s)" % e
        lines = [l for l in done.stdout.splitlines() if l.strip()]
        return lines[-1].strip() if lines else "unknown"

    def command(self, url: str, profile: Path) -> list[str]:
        if self.name == "chromium":
            return [self.program, *CHROMIUM_FLAGS, "--user-data-dir=%s" % profile, url]
        prefs = "".join('user_pref("%s", %s);\n' % (k, json.dumps(v)) for k, v in FIREFOX_PREFS.items())
        (profile / "user.js").write_text(prefs, encoding="utf-8")
        return [self.program, "--headless", "--no-remote", "--profile", str(profile), url]


def engine(name: str) -> Engine:
    program = {"chromium": "chromium", "firefox": "firefox-esr"}[name]
    return Engine(name, shutil.which(program) or program)


class BrowserRunError(Exception):
    pass


def page_html(page_url: str, group: str) -> bytes:
    return ('<!doctype html><meta charset="utf-8"><title>corshdr browser run</title>'
            '<script src="%s/page.js" data-page="%s" data-group="%s"></script>'
            % (page_url, page_url, group)).encode("ascii")


def run_engine(eng: Engine, cases: list[dict], timeout: float, log=print) -> dict:
    """Runs every case in one headless browser; returns {"version", "user_agent", "seconds",
    "tests": {id: Test}, "skipped": {id: reason}, "answers": {id: (observed, evidence)}}."""
    started = time.monotonic()
    results: dict[str, dict] = {}
    done = threading.Event()
    plans: dict[str, list] = {"normal": [], "null": []}
    js = PAGE_JS.read_bytes()

    def json_response(obj, extra=()):
        body = json.dumps(obj).encode("ascii")
        return wire.response_bytes(200, [(b"Content-Type", b"application/json"), *extra,
                                         (b"Content-Length", str(len(body)).encode())], body)

    def page_answer(request: wire.Request) -> bytes:
        path, _, query = request.path.partition("?")
        group = "null" if "group=null" in query else "normal"
        no_store = (b"Cache-Control", b"no-store")
        if request.method == "GET" and path in ("/", "/sandbox"):
            body = page_html(page.url, "null" if path == "/sandbox" else "normal")
            extra = [(b"Content-Security-Policy", b"sandbox allow-scripts")] if path == "/sandbox" else []
            return wire.response_bytes(200, [(b"Content-Type", b"text/html; charset=utf-8"), no_store, *extra,
                                             (b"Content-Length", str(len(body)).encode())], body)
        if request.method == "GET" and path == "/page.js":
            return wire.response_bytes(200, [(b"Content-Type", b"text/javascript"), no_store,
                                             (b"Content-Length", str(len(js)).encode())], js)
        if request.method == "GET" and path == "/plan":
            return json_response(plans[group], [(b"Access-Control-Allow-Origin", b"*"), no_store])
        if request.method == "POST" and path == "/results":
            try:
                results[group] = json.loads(request.body.decode("utf-8"))
            except ValueError as e:
                results[group] = {"failure": "unreadable results: %s" % e, "results": []}
            if len(results) == 2:
                done.set()
            return wire.response_bytes(204, [no_store])
        return wire.response_bytes(404, [(b"Content-Length", b"0")])

    target = wire.TargetServer().start()
    page = wire.Origin(page_answer)
    tests, skipped = {}, {}
    try:
        page_origin = page.url.encode("ascii")
        for number, case in enumerate(cases):
            made = make_test(case, number, page_origin)
            if isinstance(made, str):
                skipped[case["id"]] = made
                continue
            tests[case["id"]] = made
            target.routes[made.path] = wire.Route(main=made.main or made.response,
                                                  preflight=made.response if made.main else None)
            target.routes[made.probe_path] = wire.Route(main=made.response)
            plans[made.group].append({
                "key": case["id"], "url": target.origin.url + made.path,
                "probe": target.origin.url + made.probe_path, "credentials": made.credentials,
                "method": made.method, "headers": made.request_headers,
                "again": case["op"] == "preflight", "warmup": target.origin.url + "/warm-up/" + made.group})
        for group, origin in (("normal", page.url), ("null", "null")):
            allow = [(b"Access-Control-Allow-Origin", origin.encode("ascii"))]
            target.routes["/warm-up/" + group] = wire.Route(
                main=wire.response_bytes(200, allow + [(b"Content-Length", b"0")]),
                preflight=wire.response_bytes(200, allow + [(b"Access-Control-Allow-Methods", b"PUT"),
                                                            (b"Access-Control-Allow-Headers", b"x-warm-up"),
                                                            (b"Access-Control-Max-Age", b"60")]))
        version = eng.version()
        with tempfile.TemporaryDirectory(prefix="corshdr-%s-" % eng.name) as profile:
            argv = eng.command(page.url + "/", Path(profile))
            stderr = tempfile.TemporaryFile()
            try:
                process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                                           start_new_session=True, env=dict(os.environ, MOZ_HEADLESS="1"))
            except OSError as e:
                raise BrowserRunError("cannot start %s: %s" % (eng.program, e)) from None
            try:
                finished = done.wait(timeout)
            finally:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
                stderr.seek(0)
                output = stderr.read().decode("utf-8", "replace")
                stderr.close()
        if not finished:
            raise BrowserRunError("%s did not post its results within %.0f s (posted: %s); its output ends:\n%s"
                                  % (eng.name, timeout, sorted(results) or "none", output[-3000:]))
        for group, posted in results.items():
            if posted.get("failure"):
                raise BrowserRunError("the %s page failed in %s: %s" % (group, eng.name, posted["failure"]))
        answers = {}
        by_key = {a["key"]: a for posted in results.values() for a in posted["results"]}
        for case_id, test in tests.items():
            if case_id not in by_key:
                raise BrowserRunError("%s posted no result for %s" % (eng.name, case_id))
            answers[case_id] = observe(test, by_key[case_id], target.requests(test.path))
        return {"version": version, "user_agent": results["normal"].get("userAgent"),
                "page_origins": {g: r.get("origin") for g, r in results.items()},
                "seconds": time.monotonic() - started, "tests": tests, "skipped": skipped,
                "answers": answers}
    finally:
        page.close()
        target.origin.close()


# ---- comparing ----------------------------------------------------------------------------------

def compare(eng_name: str, cases: list[dict], run: dict) -> dict:
    """Per case: agree, disagree or skipped, with what was expected and what the engine did."""
    rows = {}
    for case in cases:
        case_id = case["id"]
        if case_id in run["skipped"]:
            rows[case_id] = {"verdict": "skipped", "why": run["skipped"][case_id]}
            continue
        expected, where = expectation(case, eng_name)
        want = observable(case["op"], expected)
        got, evidence = run["answers"][case_id]
        rows[case_id] = {"verdict": "agree" if got == want else "disagree", "expected": want,
                         "expected_from": where, "observed": got, "evidence": evidence}
    return rows


def summary(rows: dict) -> dict:
    out = {"agree": 0, "disagree": 0, "skipped": 0}
    for row in rows.values():
        out[row["verdict"]] += 1
    return out


def browser_cases(only: str | None = None, directory: Path = runner.VECTORS_DIR) -> list[dict]:
    cases = [c for c in runner.load_cases(directory) if c["op"] in CHECKABLE_OPS]
    if only:
        cases = [c for c in cases if only in c["id"]]
    return cases


def record(eng_name: str, run: dict, rows: dict) -> dict:
    return {"engine": eng_name, "version": run["version"], "user_agent": run["user_agent"],
            "page_origins": run["page_origins"], "summary": summary(rows),
            "cases": {case_id: {k: v for k, v in row.items()} for case_id, row in sorted(rows.items())}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m conformance.browsers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", action="append", choices=ENGINES,
                        help="an engine to run (repeatable; default: both)")
    parser.add_argument("--out", metavar="DIR", help="write <engine>.json (every case: verdict, "
                        "expected, observed, evidence) into DIR")
    parser.add_argument("--record", action="store_true",
                        help="also write conformance/results/browsers/<engine>.json (the evidence kept in the repository)")
    parser.add_argument("--only", metavar="SUBSTRING", help="run only the vectors whose id contains SUBSTRING")
    parser.add_argument("--vectors", metavar="DIR", default=str(runner.VECTORS_DIR),
                        help="read the vectors from DIR (default conformance/vectors)")
    parser.add_argument("--timeout", type=float, default=240.0, metavar="SECONDS",
                        help="time one engine may take for the whole run (default 240)")
    args = parser.parse_args(argv)
    cases = browser_cases(args.only, Path(args.vectors))
    status = 0
    for name in args.engine or ENGINES:
        eng = engine(name)
        if not shutil.which(eng.program):
            print("corshdr browsers: %s is not installed (sh tools/setup-deps.sh test installs it)" % eng.program,
                  file=sys.stderr)
            return 2
        try:
            run = run_engine(eng, cases, args.timeout)
        except BrowserRunError as e:
            print("corshdr browsers: %s" % e, file=sys.stderr)
            return 2
        rows = compare(name, cases, run)
        counts = summary(rows)
        print("%s (%s, %.1f s): %d vectors: agree %d, disagree %d, skipped %d" % (
            name, run["version"], run["seconds"], len(cases), counts["agree"], counts["disagree"], counts["skipped"]))
        reasons = {}
        for case_id, row in rows.items():
            if row["verdict"] == "skipped":
                reasons.setdefault(row["why"], []).append(case_id)
        for why, ids in sorted(reasons.items()):
            print("  skipped %d: %s (%s)" % (len(ids), why, ", ".join(ids)))
        for case_id, row in rows.items():
            if row["verdict"] == "disagree":
                status = 1
                print("  DISAGREE %s\n    expected (%s): %s\n    observed: %s\n    evidence: %s" % (
                    case_id, row["expected_from"], json.dumps(row["expected"]), json.dumps(row["observed"]),
                    json.dumps(row["evidence"])[:1500]))
        data = record(name, run, rows)
        # The loopback ports change every run: the kept evidence names the origins by role.
        text = json.dumps(data, indent=1) + "\n"
        if run["page_origins"].get("normal"):
            text = text.replace(run["page_origins"]["normal"], "http://page.invalid")
        text = re.sub(r"http://127\.0\.0\.1:[0-9]+", "http://target.invalid", text)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / ("%s.json" % name)).write_text(text, encoding="utf-8")
        if args.record:
            RECORD_DIR.mkdir(parents=True, exist_ok=True)
            (RECORD_DIR / ("%s.json" % name)).write_text(text, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
