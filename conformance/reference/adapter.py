#!/usr/bin/python3
"""The reference model as a conformance adapter (DESIGN.md §5).

    /usr/bin/python3 conformance/reference/adapter.py < cases.jsonl

Reads JSON Lines on standard input, one case object per line, and writes one JSON line
per input line, in order:

    {"id": ..., "result": {...}}       the model's answer
    {"id": ..., "unsupported": true}   an op the model does not know
    {"id": ..., "error": "message"}    a malformed line (the id is null if it is unknown)

It never stops on a bad line, flushes after every line, and exits 0 at end of input.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from corsref.ops import OPS, MalformedCase, run_op  # noqa: E402


def answer(line: bytes) -> dict:
    """The output object for one input line."""
    try:
        case = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return {"id": None, "error": "the line is not UTF-8"}
    except (ValueError, RecursionError) as e:
        return {"id": None, "error": "the line is not JSON: %s" % e}
    if not isinstance(case, dict):
        return {"id": None, "error": "the line is not a JSON object"}
    case_id = case.get("id")
    if not isinstance(case_id, str):
        return {"id": None, "error": "id must be a string"}
    op = case.get("op")
    if not isinstance(op, str):
        return {"id": case_id, "error": "op must be a string"}
    if op not in OPS:
        return {"id": case_id, "unsupported": True}
    if "input" not in case:
        return {"id": case_id, "error": "input is missing"}
    try:
        return {"id": case_id, "result": run_op(op, case["input"])}
    except MalformedCase as e:
        return {"id": case_id, "error": str(e)}


def main() -> int:
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            reply = answer(line)
        except Exception as e:  # a bug in the model must not end the run
            reply = {"id": None, "error": "internal error: %s: %s" % (type(e).__name__, e)}
        try:
            out.write(json.dumps(reply, ensure_ascii=True).encode("ascii") + b"\n")
            out.flush()
        except BrokenPipeError:
            # The reader went away: nobody is left to answer. Point stdout at /dev/null
            # so the interpreter's final flush does not complain.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
