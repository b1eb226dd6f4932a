"""Real browsers agree with every browser-checkable vector or its recorded variant (browsers.py).

Runs headless Debian chromium and firefox-esr (sh tools/setup-deps.sh test installs them; a missing
browser fails these tests, it never skips them). Also: the harness's mapping of a vector to bytes on
the wire, and proof that a vector the engine does not follow is reported as a disagreement.
"""

import json
import shutil
import subprocess
import sys

import pytest

import browsers
import runner


def case(op, **given):
    base = {"exposed": {"credentials": "omit", "headers": []},
            "cors-check": {"origin": "https://app.example", "credentials": "omit", "headers": []},
            "preflight": {"origin": "https://app.example", "credentials": "omit", "method": "PUT",
                          "request_headers": [], "status": 200, "headers": []}}[op]
    return {"id": "t/x", "op": op, "input": dict(base, **given), "expected": {}}


PAGE = b"http://127.0.0.1:1234"


def head_of(test) -> bytes:
    return test.response.split(b"\r\n\r\n")[0]


def test_origin_is_substituted_only_inside_allow_origin_values():
    test = browsers.make_test(case("cors-check", headers=[
        ["Access-Control-Allow-Origin", " https://app.example/"], ["X-A", "https://app.example"],
        ["access-control-allow-origin", "HTTPS://APP.EXAMPLE"]]), 0, PAGE)
    assert head_of(test) == (b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: http://127.0.0.1:1234/\r\n"
                             b"X-A:https://app.example\r\naccess-control-allow-origin:HTTPS://APP.EXAMPLE")
    assert test.group == "normal"


def test_null_origin_runs_in_the_opaque_page_and_keeps_its_bytes():
    test = browsers.make_test(case("cors-check", origin="null", headers=[["Access-Control-Allow-Origin", "null"]]), 0, PAGE)
    assert test.group == "null" and b"Access-Control-Allow-Origin:null" in test.response


def test_exposed_gets_a_passing_cors_check_and_remembers_what_it_added():
    test = browsers.make_test(case("exposed", credentials="include", headers=[["X-A", "1"]]), 0, PAGE)
    assert head_of(test).endswith(b"X-A:1\r\nAccess-Control-Allow-Origin:http://127.0.0.1:1234\r\n"
                                  b"Access-Control-Allow-Credentials:true")
    assert test.added == {"access-control-allow-origin", "access-control-allow-credentials"}
    kept = browsers.make_test(case("exposed", headers=[["Access-Control-Allow-Origin", "*"]]), 0, PAGE)
    assert b"Access-Control-Allow-Origin:*" in kept.response and not kept.added


def test_content_length_of_the_vector_gets_its_body():
    test = browsers.make_test(case("exposed", headers=[["Content-Length", "3"]]), 0, PAGE)
    assert test.response.endswith(b"\r\n\r\nxxx")


def test_request_headers_are_made_cors_unsafe():
    test = browsers.make_test(case("preflight", request_headers=["X-A", "Accept", "content-type"]), 0, PAGE)
    assert test.request_headers == [["X-A", "1"], ["Accept", '"'], ["content-type", "1"]]
    assert test.main.startswith(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin:http://127.0.0.1:1234\r\n")


@pytest.mark.parametrize("given, why", [
    ({"method": "GET"}, "sends no preflight"),
    ({"method": "post", "request_headers": []}, "sends no preflight"),
    ({"method": "TRACE", "request_headers": ["X-A"]}, "forbidden method"),
    ({"method": "GE T"}, "not a token"),
    ({"request_headers": ["Cookie"]}, "forbidden request-header"),
    ({"request_headers": ["Sec-X"]}, "forbidden request-header"),
    ({"request_headers": ["X A"]}, "not a header name"),
])
def test_what_a_page_cannot_send_is_skipped_with_the_reason(given, why):
    made = browsers.make_test(case("preflight", **given), 0, PAGE)
    assert isinstance(made, str) and why in made


def test_observable_results():
    assert browsers.observable("preflight", {"ok": True, "max_age": 0}) == {"ok": True, "cached": False}
    assert browsers.observable("preflight", {"ok": True, "max_age": 7200}) == {"ok": True, "cached": True}
    assert browsers.observable("preflight", {"ok": False}) == {"ok": False}
    assert browsers.observable("exposed", {"network_error": True}) == {"network_error": True}


def run_browsers(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "conformance.browsers", *args], cwd=runner.REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("engine", browsers.ENGINES)
def test_engine_agrees_with_every_vector_or_its_variant(engine, tmp_path):
    program = browsers.engine(engine).program
    assert shutil.which(program), "%s is not installed: sh tools/setup-deps.sh test" % program
    done = run_browsers("--engine", engine, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    data = json.loads((tmp_path / ("%s.json" % engine)).read_text())
    checkable = browsers.browser_cases()
    assert data["summary"]["disagree"] == 0
    assert data["summary"]["agree"] + data["summary"]["skipped"] == len(checkable)
    # skipped only where a page cannot send the request the vector describes
    reasons = {row["why"] for row in data["cases"].values() if row["verdict"] == "skipped"}
    assert reasons <= {"a browser sends no preflight for this request (safelisted method, no request headers)"}, reasons
    assert data["summary"]["skipped"] <= 20
    # the requests really came from the page's origin, and preflights were really sent
    rows = data["cases"].values()
    assert any(r.get("observed", {}).get("cached") is True for r in rows)
    assert any(r.get("observed", {}).get("cached") is False for r in rows)
    assert data["page_origins"]["null"] == "null"


def test_a_vector_the_engine_does_not_follow_is_a_disagreement(tmp_path):
    cases = [c for c in runner.load_cases() if c["id"] in (
        "exposed/doc-star-without-credentials-omit", "cors-check/doc-star-include-fails", "preflight/max-age-zero-wpt")]
    assert len(cases) == 3, [c["id"] for c in cases]
    wrong = {"exposed/doc-star-without-credentials-omit": {"readable": ["x-a"]},
             "cors-check/doc-star-include-fails": {"ok": True},
             "preflight/max-age-zero-wpt": {"ok": True, "max_age": 5}}
    for c in cases:
        c.pop("_file")
        c["expected"] = wrong[c["id"]]
        c.pop("variants", None)
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "x.json").write_text(json.dumps(cases))
    done = run_browsers("--engine", "chromium", "--vectors", str(tmp_path / "v"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "agree 0, disagree 3, skipped 0" in done.stdout
    for case_id in wrong:
        assert "DISAGREE %s" % case_id in done.stdout
