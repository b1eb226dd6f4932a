#!/usr/bin/python3
"""A minimal conformance adapter (conformance/PROTOCOL.md): it implements only the `token` op and
answers `unsupported` for every other op. Run it through the suite with:

    /usr/bin/python3 -m conformance.run --impl "/usr/bin/python3 conformance/examples/minimal_adapter.py"
"""
import json
import sys

TCHAR = set(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def answer(line):
    try:
        case = json.loads(line)
        case_id, op = case["id"], case["op"]
    except (ValueError, TypeError, KeyError):
        return {"id": None, "error": "not a case object"}
    if op != "token":
        return {"id": case_id, "unsupported": True}
    try:
        value = case["input"]["value"].encode("latin-1")  # one code point per byte
    except (KeyError, TypeError, AttributeError, UnicodeEncodeError) as e:
        return {"id": case_id, "error": "bad input: %r" % e}
    return {"id": case_id, "result": {"valid": len(value) > 0 and all(b in TCHAR for b in value)}}


for line in sys.stdin:  # one case per line in, one answer per line out, in order
    print(json.dumps(answer(line)), flush=True)
