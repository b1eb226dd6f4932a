"""Tests of the adapter protocol (DESIGN.md §5) as spoken by adapter.py.

Run: /usr/bin/python3 -m pytest conformance/reference -q
"""

import importlib.util
import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

ADAPTER_PATH = Path(__file__).with_name("adapter.py")
ADAPTER = [sys.executable, str(ADAPTER_PATH)]
# The adapter must flush by itself, whatever the environment says.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def run_adapter(stdin: bytes, timeout: float = 120) -> tuple[list[dict], int]:
    done = subprocess.run(ADAPTER, input=stdin, capture_output=True, timeout=timeout, env=ENV)
    lines = done.stdout.split(b"\n")
    assert lines[-1] == b"", "output must end with a newline"
    replies = []
    for line in lines[:-1]:
        assert line.isascii()
        replies.append(json.loads(line))
    return replies, done.returncode


def case_line(case: dict) -> bytes:
    return json.dumps(case).encode() + b"\n"


def test_empty_input_gives_no_output_and_exit_0():
    assert run_adapter(b"") == ([], 0)


def test_every_line_gets_one_reply_in_order():
    lines = [
        case_line({"id": "ok-1", "op": "token", "input": {"value": "GET"}}),
        b"this is not JSON\n",
        b"\n",
        b"[1, 2]\n",
        b'"a string"\n',
        case_line({"op": "token", "input": {"value": "x"}}),
        case_line({"id": 7, "op": "token", "input": {"value": "x"}}),
        case_line({"id": "no-op", "input": {"value": "x"}}),
        case_line({"id": "op-type", "op": ["token"], "input": {"value": "x"}}),
        case_line({"id": "unknown-op", "op": "teleport", "input": {}}),
        case_line({"id": "no-input", "op": "token"}),
        case_line({"id": "input-type", "op": "token", "input": "GET"}),
        case_line({"id": "value-type", "op": "token", "input": {"value": None}}),
        case_line({"id": "wide", "op": "token", "input": {"value": "\u0100"}}),
        case_line({"id": "surrogate", "op": "token", "input": {"value": "\ud800"}}),
        case_line({"id": "credentials", "op": "exposed",
                   "input": {"credentials": "INCLUDE", "headers": []}}),
        case_line({"id": "pair", "op": "combine", "input": {"headers": [["A"]], "name": "A"}}),
        b"\xff\xfe not UTF-8\n",
        b"[" * 100000 + b"\n",
        case_line({"id": "network", "op": "max-age", "input": {"headers": [["A", "\r"]]}}),
        case_line({"id": "ok-2", "op": "combine",
                   "input": {"headers": [["A", "\u00ff\x01"], ["a", ""]], "name": "A"}})[:-1],
    ]
    replies, status = run_adapter(b"".join(lines))
    assert status == 0
    assert len(replies) == len(lines)
    assert replies[0] == {"id": "ok-1", "result": {"valid": True}}
    assert replies[9] == {"id": "unknown-op", "unsupported": True}
    assert replies[19] == {"id": "network", "result": {"network_error": True}}
    assert replies[20] == {"id": "ok-2", "result": {"value": "\u00ff\x01, "}}
    error_ids = [None] * 7 + ["no-op", "op-type", None, "no-input", "input-type", "value-type",
                              "wide", "surrogate", "credentials", "pair", None, None]
    for index, expected_id in enumerate(error_ids):
        if index in (0, 9):
            continue
        reply = replies[index]
        assert set(reply) == {"id", "error"}, (index, reply)
        assert reply["id"] == expected_id, (index, reply)
        assert isinstance(reply["error"], str) and reply["error"]


def test_unknown_op_is_unsupported_even_with_odd_input():
    replies, status = run_adapter(case_line({"id": "x", "op": "bogus", "input": 5}))
    assert (replies, status) == ([{"id": "x", "unsupported": True}], 0)


def test_every_design_op_is_supported():
    ops = ["token", "field-value", "combine", "split", "name-list", "exposed", "cors-check",
           "preflight", "max-age", "request-safelisted", "unsafe-names", "forbidden-request",
           "origin", "policy-compile", "policy-apply"]
    stdin = b"".join(case_line({"id": op, "op": op, "input": {}}) for op in ops)
    replies, _ = run_adapter(stdin)
    # Empty input is malformed for every op, so each must answer with an error, never
    # with "unsupported".
    assert [r["id"] for r in replies] == ops
    assert all("error" in r for r in replies)


def test_reply_is_flushed_before_the_next_line_is_read():
    with subprocess.Popen(ADAPTER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV) as process:
        try:
            process.stdin.write(case_line({"id": "first", "op": "origin", "input": {"value": "null"}}))
            process.stdin.flush()
            # stdin stays open: the reply must arrive anyway.
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, "no reply while the input stays open: output not flushed"
            reply = json.loads(process.stdout.readline())
            assert reply == {"id": "first", "result": {"valid": True}}
        finally:
            process.stdin.close()
            process.wait(timeout=30)
    assert process.returncode == 0


@pytest.mark.parametrize("mebibytes", [24])
def test_long_lines(mebibytes):
    size = mebibytes * 1024 * 1024
    big_list = case_line({"id": "big-list", "op": "name-list",
                          "input": {"headers": [["A", "a," * (size // 2)]], "name": "A"}})
    big_value = case_line({"id": "big-value", "op": "combine",
                           "input": {"headers": [["A", "\u00e9" * size]], "name": "a"}})
    replies, status = run_adapter(big_list + big_value)
    assert status == 0
    assert replies[0] == {"id": "big-list", "result": {"failure": True}}
    assert replies[1] == {"id": "big-value", "result": {"value": "\u00e9" * size}}


def test_a_bug_in_the_model_gives_an_error_line_and_the_run_goes_on(monkeypatch):
    spec = importlib.util.spec_from_file_location("corsref_adapter", ADAPTER_PATH)
    adapter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(adapter)

    class SimulatedBug(Exception):
        pass

    def broken_run_op(op, input):
        if op == "token":
            raise SimulatedBug("a bug in the model")
        return {"valid": True}

    monkeypatch.setattr(adapter, "run_op", broken_run_op)
    stdin = (case_line({"id": "a", "op": "token", "input": {"value": "x"}})
             + case_line({"id": "b", "op": "origin", "input": {"value": "null"}}))
    stdout = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(stdout))
    assert adapter.main() == 0
    replies = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert len(replies) == 2 and "error" in replies[0]
    assert replies[1] == {"id": "b", "result": {"valid": True}}
