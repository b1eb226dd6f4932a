"""Proof that the suite can fail: run it on fixtures/broken_adapter.py (a pytest subprocess with
--impl) and check it reports exactly the cases the adapter's three bugs must break, and exits non-zero.

The expected failing ids are computed here from the vectors' content alone, not from the adapter.
"""

import json
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
    """The broken adapter through the command line runner, every profile, all reports written."""
    out = tmp_path_factory.mktemp("broken")
    done = subprocess.run(
        [sys.executable, "-m", "conformance.run", "--impl", "%s %s" % (runner.PYTHON, BROKEN),
         "--profile", "all", "--out", str(out), "--show", "100"],
        cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    return done, json.loads((out / "results.json").read_text()), (out / "report.md").read_text(), \
        ET.parse(out / "junit.xml").getroot()


def test_each_bug_is_covered_by_some_vectors():
    failing = expected_failures(runner.load_cases())
    assert all(failing.values()), {op: len(ids) for op, ids in failing.items()}


def test_runner_reports_exactly_the_broken_cases_and_exits_non_zero(broken_run):
    done, results, _, junit = broken_run
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    expected = expected_failures(runner.load_cases())
    want = {i for ids in expected.values() for i in ids}
    (impl,) = results["implementations"]
    failed = {c["id"] for c in impl["not_passed"] if c["outcome"] == "failed"}
    assert failed == want, ("unexpected failures: %s\nmissing failures: %s"
                            % (sorted(failed - want)[:20], sorted(want - failed)[:20]))
    assert impl["totals"] == {"passed": len(runner.load_cases()) - len(want), "failed": len(want),
                              "partial": 0, "unsupported": 0}
    junit_failed = {t.get("name") for t in junit.iter("testcase") if t.find("failure") is not None}
    assert junit_failed == want
    assert sum(1 for _ in junit.iter("testcase")) == len(runner.load_cases())


def test_summary_and_report_name_the_failures(broken_run):
    done, _, report, _ = broken_run
    expected = expected_failures(runner.load_cases())
    # the terminal table: per-op failed counts
    for op, ids in expected.items():
        row = re.search(r"^%s\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$" % re.escape(op), done.stdout, re.M)
        assert row and int(row.group(2)) == len(ids), (op, row and row.group(0))
    assert "verdict: FAIL (%d cases)" % sum(len(i) for i in expected.values()) in done.stdout
    # the Markdown report: every failing id, with expected and got
    for ids in expected.values():
        for case_id in ids:
            assert "#### `%s`" % case_id in report
    assert report.count("\n#### `") == sum(len(ids) for ids in expected.values())
    assert "- expected: " in report and "- got: " in report


def test_pytest_wrapper_fails_the_broken_ops(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/test_conformance.py", "-q", "-p", "no:cacheprovider",
         "--impl", "%s %s" % (runner.PYTHON, BROKEN), "--profile", "all", "--junitxml", str(tmp_path / "j.xml")],
        cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:]
    failed = {t.get("name") for t in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")
              if t.find("failure") is not None}
    assert failed == {"test_op[broken_adapter:%s]" % op for op in ("exposed", "cors-check", "unsafe-names")}
    assert "cors-check/doc-star-include-fails" in done.stdout


# ---- the machinery against adapters that break the protocol --------------------------------------

CASES = [{"id": "t/%d" % i, "op": "token", "input": {"value": "GET"}, "expected": {"valid": True}}
         for i in range(6)]


def run_script(tmp_path, body, timeout=10.0):
    script = tmp_path / "adapter.py"
    script.write_text("import json, sys\n" + body)
    run = runner.run_adapter([sys.executable, str(script)], CASES, case_timeout=timeout)
    return run, runner.judge_run(CASES, run)


def test_a_crash_fails_its_case_and_the_adapter_is_restarted(tmp_path):
    run, outcomes = run_script(tmp_path, """
for line in sys.stdin:
    case_id = json.loads(line)["id"]
    if case_id == "t/2":
        print("dying on t/2", file=sys.stderr)
        sys.exit(3)
    print(json.dumps({"id": case_id, "result": {"valid": True}}), flush=True)
""")
    assert [o.kind for o in outcomes.values()] == ["passed"] * 2 + ["failed"] + ["passed"] * 3
    assert "exited with status 3 while on this case" in outcomes["t/2"].message
    assert "dying on t/2" in outcomes["t/2"].message
    assert run.restarts == 1 and [(i.case_id, i.what) for i in run.incidents] == [("t/2", "exited with status 3")]
    assert "dying on t/2" in run.incidents[0].stderr
    assert run.problems == ["exited with status 3 on t/2"]


def test_a_hang_is_killed_after_the_case_timeout_and_the_run_goes_on(tmp_path):
    run, outcomes = run_script(tmp_path, """
import time
for line in sys.stdin:
    case_id = json.loads(line)["id"]
    if case_id == "t/1":
        time.sleep(60)
    print(json.dumps({"id": case_id, "result": {"valid": True}}), flush=True)
""", timeout=1.0)
    assert [o.kind for o in outcomes.values()] == ["passed", "failed"] + ["passed"] * 4
    assert "gave no answer within 1 s (killed)" in outcomes["t/1"].message
    assert run.seconds < 30 and run.restarts == 1


def test_an_adapter_that_dies_at_start_is_given_up_after_three_tries(tmp_path):
    run, outcomes = run_script(tmp_path, "sys.exit(1)\n")
    assert all(o.kind == runner.FAILED for o in outcomes.values())
    assert len(run.incidents) == 3 and run.restarts == 2
    assert "not run: the runner gave up" in outcomes["t/5"].message
    assert any("failed at once 3 times in a row" in p for p in run.problems)


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


def test_a_missing_program_fails_every_case(tmp_path):
    run = runner.run_adapter([str(tmp_path / "nothing")], CASES)
    outcomes = runner.judge_run(CASES, run)
    assert run.start_error and all(o.kind == runner.FAILED for o in outcomes.values())


def test_a_non_zero_exit_at_the_end_is_a_protocol_problem(tmp_path):
    run, outcomes = run_script(tmp_path, """
for line in sys.stdin:
    print(json.dumps({"id": json.loads(line)["id"], "result": {"valid": True}}), flush=True)
sys.exit(4)
""")
    assert all(o.kind == runner.PASSED for o in outcomes.values())
    assert run.problems == ["exit status 4 at the end of input (the protocol asks for 0)"]


def test_big_inputs_cannot_deadlock_the_pipes(tmp_path):
    """An adapter that reads everything before answering, with input and output far larger than
    any pipe buffer."""
    big = [{"id": "b/%d" % i, "op": "token", "input": {"value": "x" * 200000}, "expected": {"valid": True}}
           for i in range(40)]
    script = tmp_path / "slurp.py"
    script.write_text("import json, sys\nlines = sys.stdin.readlines()\nfor line in lines:\n"
                      "    c = json.loads(line)\n"
                      "    print(json.dumps({'id': c['id'], 'result': {'valid': True, 'echo': c['input']['value']}}))\n")
    run = runner.run_adapter([sys.executable, str(script)], big, case_timeout=60)
    outcomes = runner.judge_run(big, run)
    assert not run.problems and all(o.kind == runner.PASSED for o in outcomes.values())
