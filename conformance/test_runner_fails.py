"""Proof that the suite can fail: run it on fixtures/broken_adapter.py (a pytest subprocess with
--impl) and check it reports exactly the cases the adapter's three bugs must break, and exits non-zero.

The expected failing ids are computed here from the vectors' content alone, not from the adapter.
"""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import runner

BROKEN = "conformance/fixtures/broken_adapter.py"
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def lines_named(headers, name):
    return [value for n, value in headers if n.lower() == name.lower()]


def trimmed(value: str) -> str:
    return value.strip(" \t")


def expose_list(headers):
    """Access-Control-Expose-Headers elements, or None when absent or not a valid #field-name list
    (SEMANTICS.md §4 name-list with the §3 limits)."""
    lines = [trimmed(v) for v in lines_named(headers, "Access-Control-Expose-Headers")]
    if not lines or sum(len(v) for v in lines) > 65536:
        return None
    elements, empties = [], 0
    for line in lines:
        for piece in line.split(","):
            piece = trimmed(piece)
            if not piece:
                empties += 1
            elif TOKEN.fullmatch(piece):
                elements.append(piece)
            else:
                return None
    if len(elements) > 1024 or empties > 1024:
        return None
    return elements


def expected_failures(cases):
    """Which vectors each bug of the broken adapter must break."""
    failing = {"cors-check": set(), "exposed": set(), "unsafe-names": set()}
    for case in cases:
        op, input, expected = case["op"], case["input"], case["expected"]
        if "network_error" in expected:
            continue
        if op == "cors-check" and input["credentials"] == "include":
            # bug 1: a lone ACAO `*` passes with credentials; right answer here is a failure
            if [trimmed(v) for v in lines_named(input["headers"], "Access-Control-Allow-Origin")] == ["*"] \
                    and expected["ok"] is False:
                failing[op].add(case["id"])
        elif op == "exposed" and input["credentials"] == "include":
            # bug 2: `*` exposes every name but Set-Cookie/Set-Cookie2 even with credentials
            listed = expose_list(input["headers"])
            if listed is not None and "*" in listed:
                everything = sorted({n.lower() for n, _ in input["headers"]} - {"set-cookie", "set-cookie2"})
                if everything != expected["readable"]:
                    failing[op].add(case["id"])
        elif op == "unsafe-names" and len(expected["names"]) >= 2:
            # bug 3: reverse order differs from sorted order whenever there are two names or more
            failing[op].add(case["id"])
    return failing


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("broken")
    junit, report = out / "junit.xml", out / "report.md"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/test_conformance.py", "-q", "-p", "no:cacheprovider",
         "--impl", "%s %s" % (runner.PYTHON, BROKEN), "--junitxml", str(junit), "--report-md", str(report)],
        cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    return done, ET.parse(junit).getroot(), report.read_text(encoding="utf-8")


def test_each_bug_is_covered_by_some_vectors():
    failing = expected_failures(runner.load_cases())
    assert all(failing.values()), {op: len(ids) for op, ids in failing.items()}


def test_suite_reports_exactly_the_broken_cases_and_exits_non_zero(broken_run):
    done, junit, report = broken_run
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    failed, passed, skipped = set(), 0, 0
    for testcase in junit.iter("testcase"):
        name = testcase.get("name")
        if testcase.find("failure") is not None or testcase.find("error") is not None:
            failed.add(name)
        elif testcase.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    expected = expected_failures(runner.load_cases())
    expected_names = {"test_vector[broken_adapter:%s]" % i for ids in expected.values() for i in ids}
    assert failed == expected_names, ("unexpected failures: %s\nmissing failures: %s"
                                      % (sorted(failed - expected_names)[:20], sorted(expected_names - failed)[:20]))
    assert skipped == 0
    assert passed == len(runner.load_cases()) - len(expected_names) + 1  # + test_adapter_protocol


def test_summary_and_report_name_the_failures(broken_run):
    done, _, report = broken_run
    expected = expected_failures(runner.load_cases())
    # the terminal table: per-op failed counts
    for op, ids in expected.items():
        row = re.search(r"^%s\s+(\d+)\s+(\d+)\s+(\d+)$" % re.escape(op), done.stdout, re.M)
        assert row and int(row.group(2)) == len(ids), (op, row and row.group(0))
    # the Markdown report: every failing id, with expected and got
    for ids in expected.values():
        for case_id in ids:
            assert "#### `%s`" % case_id in report
    assert report.count("\n#### `") == sum(len(ids) for ids in expected.values())
    assert "- expected: " in report and "- got: " in report


# ---- the machinery against adapters that break the protocol --------------------------------------

CASES = [{"id": "t/%d" % i, "op": "token", "input": {"value": "GET"}, "expected": {"valid": True}}
         for i in range(6)]


def run_script(tmp_path, body, timeout=60):
    script = tmp_path / "adapter.py"
    script.write_text("import json, sys\n" + body)
    run = runner.run_adapter([sys.executable, str(script)], CASES, timeout=timeout)
    return run, runner.judge_run(CASES, run)


def test_an_adapter_that_dies_fails_every_unanswered_case(tmp_path):
    run, outcomes = run_script(tmp_path, """
for i, line in enumerate(sys.stdin):
    if i == 2:
        sys.exit(3)
    print(json.dumps({"id": json.loads(line)["id"], "result": {"valid": True}}), flush=True)
""")
    assert [o.kind for o in outcomes.values()] == ["passed"] * 2 + ["failed"] * 4
    assert "stopped with exit status 3 after 2 replies" in outcomes["t/2"].message
    assert run.problems == ["exit status 3 (the protocol asks for 0)", "2 reply lines for 6 cases"]


def test_bad_reply_lines_fail_their_cases(tmp_path):
    run, outcomes = run_script(tmp_path, """
for i, line in enumerate(sys.stdin):
    case_id = json.loads(line)["id"]
    print([json.dumps({"id": case_id, "result": {"valid": True}}), "garbage",
           json.dumps({"id": "other", "result": {"valid": True}}), json.dumps({"id": case_id}),
           json.dumps({"id": case_id, "error": "boom"}), json.dumps({"id": case_id, "unsupported": True})][i])
""")
    assert [o.kind for o in outcomes.values()] == ["passed"] + ["failed"] * 4 + ["unsupported"]
    assert "not a JSON line" in outcomes["t/1"].message
    assert 'has id "other"' in outcomes["t/2"].message
    assert outcomes["t/4"].message == "error: boom"
    assert len(run.problems) == 2


def test_a_silent_adapter_is_killed_at_the_time_limit(tmp_path):
    run, outcomes = run_script(tmp_path, "import time\ntime.sleep(60)\n", timeout=2)
    assert run.timed_out and run.seconds < 30
    assert all("killed at the time limit" in o.message for o in outcomes.values())


def test_a_missing_program_fails_every_case(tmp_path):
    run = runner.run_adapter([str(tmp_path / "nothing")], CASES)
    outcomes = runner.judge_run(CASES, run)
    assert run.start_error and all(o.kind == runner.FAILED for o in outcomes.values())


def test_big_inputs_cannot_deadlock_the_pipes(tmp_path):
    """An adapter that reads everything before answering, with input and output far larger than
    any pipe buffer."""
    big = [{"id": "b/%d" % i, "op": "token", "input": {"value": "x" * 200000}, "expected": {"valid": True}}
           for i in range(40)]
    script = tmp_path / "slurp.py"
    script.write_text("import json, sys\nlines = sys.stdin.readlines()\nfor line in lines:\n"
                      "    c = json.loads(line)\n"
                      "    print(json.dumps({'id': c['id'], 'result': {'valid': True, 'echo': c['input']['value']}}))\n")
    run = runner.run_adapter([sys.executable, str(script)], big, timeout=120)
    outcomes = runner.judge_run(big, run)
    assert not run.problems and all(o.kind == runner.PASSED for o in outcomes.values())
