"""Tests of conformance/schema/vector.schema.json, and that the reference model's results
have the shapes the schema allows for `expected`.

Run: /usr/bin/python3 -m pytest conformance/reference -q
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from corsref import run_op

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "vector.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

HEADERS = [["Access-Control-Allow-Origin", "*"], ["X-A", "1"]]

# One well-formed case per op.
SAMPLE = [
    {"id": "token/get", "op": "token", "input": {"value": "GET"}, "expected": {"valid": True},
     "spec": ["rfc9110#section-5.6.2"]},
    {"id": "field-value/empty", "op": "field-value", "input": {"value": ""},
     "expected": {"valid": True}, "spec": ["fetch#concept-header-value"]},
    {"id": "combine/two", "op": "combine", "input": {"headers": [["A", "1"], ["a", "\u00ff"]], "name": "A"},
     "expected": {"value": "1, \u00ff"}, "spec": ["fetch#concept-header-list-get"]},
    {"id": "split/absent", "op": "split", "input": {"headers": [], "name": "A"},
     "expected": {"values": None}, "spec": ["fetch#concept-header-list-get-decode-split"]},
    {"id": "name-list/bad", "op": "name-list",
     "input": {"headers": [["Access-Control-Allow-Headers", "a b"]], "name": "Access-Control-Allow-Headers"},
     "expected": {"failure": True}, "spec": ["fetch#extract-header-list-values", "rfc9110#section-5.6.1"]},
    {"id": "exposed/safelisted", "op": "exposed",
     "input": {"credentials": "include", "headers": [["Content-Type", "x"], ["X-A", "1"]]},
     "expected": {"readable": ["content-type"]}, "spec": ["fetch#main-fetch"],
     "source": "hand-written", "note": "no Access-Control-Expose-Headers"},
    {"id": "cors-check/star", "op": "cors-check",
     "input": {"origin": "https://a.example", "credentials": "omit", "headers": HEADERS},
     "expected": {"ok": True}, "spec": ["fetch#concept-cors-check"]},
    {"id": "preflight/ok", "op": "preflight",
     "input": {"origin": "https://a.example", "credentials": "omit", "method": "GET",
               "request_headers": [], "status": 204, "headers": HEADERS},
     "expected": {"ok": True, "max_age": 5}, "spec": ["fetch#cors-preflight-fetch-0"]},
    {"id": "preflight/status", "op": "preflight",
     "input": {"origin": "https://a.example", "credentials": "omit", "method": "GET",
               "request_headers": ["X-A"], "status": 500, "headers": HEADERS},
     "expected": {"ok": False}, "spec": ["fetch#cors-preflight-fetch-0"]},
    {"id": "max-age/big", "op": "max-age",
     "input": {"headers": [["Access-Control-Max-Age", "86400"]]},
     "expected": {"seconds": 86400}, "spec": ["fetch#http-access-control-max-age", "rfc9111#section-1.2.2"],
     "variants": {"chromium": {"expected": {"seconds": 7200}, "source": "Chromium cap",
                               "note": "capped"},
                  "webkit": {"expected": {"seconds": 600}, "source": "WebKit cap"}}},
    {"id": "max-age/network-error", "op": "max-age", "input": {"headers": [["A", "\x00"]]},
     "expected": {"network_error": True}, "spec": ["fetch#concept-header-value"]},
    {"id": "request-safelisted/accept", "op": "request-safelisted",
     "input": {"name": "Accept", "value": "*/*"}, "expected": {"safelisted": True},
     "spec": ["fetch#cors-safelisted-request-header"]},
    {"id": "unsafe-names/one", "op": "unsafe-names", "input": {"headers": [["X-B", "1"]]},
     "expected": {"names": ["x-b"], "acrh": "x-b"}, "spec": ["fetch#cors-unsafe-request-header-names"]},
    {"id": "unsafe-names/none", "op": "unsafe-names", "input": {"headers": []},
     "expected": {"names": [], "acrh": None}, "spec": ["fetch#cors-unsafe-request-header-names"]},
    {"id": "forbidden-request/host", "op": "forbidden-request",
     "input": {"name": "Host", "value": "a"}, "expected": {"forbidden": True},
     "spec": ["fetch#forbidden-request-header"]},
    {"id": "origin/null", "op": "origin", "input": {"value": "null"}, "expected": {"valid": True},
     "spec": ["fetch#origin-header", "url#concept-origin", "rfc6454#section-7"]},
]
for _case in SAMPLE:  # every case names its profile (SEMANTICS.md section 6)
    _case["profile"] = "fetch"


def errors(instance) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(instance)]


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_sample_file_is_valid():
    assert errors(SAMPLE) == []
    assert errors([]) == []


@pytest.mark.parametrize("case", SAMPLE, ids=[c["id"] for c in SAMPLE])
def test_sample_expected_is_what_the_model_answers(case):
    assert run_op(case["op"], case["input"]) == case["expected"]


def mutated(index: int, change) -> list:
    cases = copy.deepcopy(SAMPLE)
    change(cases[index])
    return cases


def by_id(case_id: str) -> int:
    return next(i for i, c in enumerate(SAMPLE) if c["id"] == case_id)


INVALID = {
    "unknown case key": ("token/get", lambda c: c.update(comment="x")),
    "unknown op": ("token/get", lambda c: c.update(op="tokens")),
    "missing spec": ("token/get", lambda c: c.pop("spec")),
    "empty spec": ("token/get", lambda c: c.update(spec=[])),
    "spec without anchor": ("token/get", lambda c: c.update(spec=["rfc9110#"])),
    "unknown spec prefix": ("token/get", lambda c: c.update(spec=["rfc7230#section-3.2"])),
    "missing expected": ("token/get", lambda c: c.pop("expected")),
    "missing id": ("token/get", lambda c: c.pop("id")),
    "empty id": ("token/get", lambda c: c.update(id="")),
    "source not a string": ("token/get", lambda c: c.update(source=1)),
    "note not a string": ("token/get", lambda c: c.update(note=["x"])),
    "missing input field": ("combine/two", lambda c: c["input"].pop("name")),
    "extra input field": ("combine/two", lambda c: c["input"].update(credentials="omit")),
    "wide code point": ("combine/two", lambda c: c["input"].update(name="\u0100")),
    "header not a pair": ("combine/two", lambda c: c["input"]["headers"].append(["A"])),
    "header triple": ("combine/two", lambda c: c["input"]["headers"].append(["A", "b", "c"])),
    "header value null": ("combine/two", lambda c: c["input"]["headers"].append(["A", None])),
    "wrong expected key": ("combine/two", lambda c: c.update(expected={"values": ["1"]})),
    "expected of another op": ("token/get", lambda c: c.update(expected={"ok": True})),
    "expected extra key": ("token/get", lambda c: c["expected"].update(extra=1)),
    "network error on a non-header op": ("token/get", lambda c: c.update(expected={"network_error": True})),
    "network error false": ("max-age/network-error", lambda c: c.update(expected={"network_error": False})),
    "failure on split": ("split/absent", lambda c: c.update(expected={"failure": True})),
    "unknown credentials": ("exposed/safelisted", lambda c: c["input"].update(credentials="Include")),
    "status not an integer": ("preflight/ok", lambda c: c["input"].update(status="204")),
    "status out of range": ("preflight/ok", lambda c: c["input"].update(status=1000)),
    "request_headers not a list": ("preflight/ok", lambda c: c["input"].update(request_headers="x")),
    "ok without max_age": ("preflight/ok", lambda c: c["expected"].pop("max_age")),
    "not ok with max_age": ("preflight/status", lambda c: c["expected"].update(max_age=5)),
    "negative seconds": ("max-age/big", lambda c: c.update(expected={"seconds": -1})),
    "unknown engine": ("max-age/big", lambda c: c["variants"].update(edge={"expected": {}, "source": "x"})),
    "variant without source": ("max-age/big", lambda c: c["variants"]["chromium"].pop("source")),
    "variant extra key": ("max-age/big", lambda c: c["variants"]["chromium"].update(bug="x")),
    "variant expected of wrong shape": ("max-age/big",
                                        lambda c: c["variants"]["chromium"].update(expected={"ok": True})),
    "empty variants": ("max-age/big", lambda c: c.update(variants={})),
    "no profile": ("max-age/big", lambda c: c.pop("profile")),
    "unknown profile": ("max-age/big", lambda c: c.update(profile="chromium")),
    "acrh missing": ("unsafe-names/none", lambda c: c["expected"].pop("acrh")),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_case_is_rejected(name):
    case_id, change = INVALID[name]
    assert errors(mutated(by_id(case_id), change)) != []


def test_file_must_be_an_array():
    assert errors(SAMPLE[0]) != []
