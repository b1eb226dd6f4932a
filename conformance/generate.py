#!/usr/bin/python3
"""Writes conformance/vectors/generated-*.json: the byte-exhaustive vector families.

    /usr/bin/python3 conformance/generate.py [--out DIR] [--list]

Every other vector file is curated by hand, from a specification, a WPT test or an engine's unit
test. These families put each byte value 0x00-0xFF at each interesting position of a header name, a
list element, a split value, a token, a field value, an origin's host and the values of the
CORS-safelisted request headers. They are computed rather than typed: the expected result of every
case comes from the reference model (conformance/reference, `corsref`), so each case says
"generated: conformance/generate.py <family>" in its "source", and a test
(test_generated.py) checks that the checked-in files are exactly what this script writes.

The output is deterministic: fixed family, template and byte order; the key order and layout of the
curated files (id, op, input, expected, spec, source); stable ids "gen/<family>/.../byte-XX-<where>".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "reference"))

from corsref import run_op  # noqa: E402
from corsref.headers import SINGLETON_HEADER_NAMES  # noqa: E402

sys.path.insert(0, str(HERE))
from profiles import profile_of  # noqa: E402

VECTORS_DIR = HERE / "vectors"
BYTES = range(256)
HOLE = "?"  # where the byte goes in a template (templates use no other "?")


def source(family: str) -> str:
    return "generated: conformance/generate.py %s" % family


def fill(template: str, byte: int) -> str:
    assert template.count(HOLE) == 1, template
    return template.replace(HOLE, chr(byte))


def case(case_id: str, op: str, input: dict, spec: list[str], family: str) -> dict:
    made = {"id": case_id, "op": op, "input": input, "expected": run_op(op, input), "spec": spec,
            "source": source(family)}
    made["profile"] = profile_of(made)[0]
    return made


def byte_family(family: str, op: str, templates: list[tuple[str, object]], make_input, spec: list[str],
                prefix: str = "") -> list[dict]:
    """One case per (template, byte): id gen/<family>/<prefix>byte-XX-<where>."""
    cases = []
    for where, template in templates:
        for byte in BYTES:
            case_id = "gen/%s/%sbyte-%02x-%s" % (family, prefix, byte, where)
            cases.append(case(case_id, op, make_input(template, byte), spec, family))
    return cases


# ---- the families ---------------------------------------------------------------------------------

def family_header_name() -> list[dict]:
    """A byte in a header name: a list with a name that is not a token cannot exist (SEMANTICS.md §1),
    seen through `combine` of that name, with another, valid line beside it."""
    templates = [("start", "?Name"), ("mid", "Na?me"), ("end", "Name?")]

    def make(template, byte):
        name = fill(template, byte)
        return {"headers": [["Other", "1"], [name, "v"]], "name": name}

    return byte_family("header-name", "combine", templates, make,
                       ["rfc9110#section-5.1", "rfc9110#section-5.6.2", "fetch#concept-header-list-get"])


def family_name_list() -> list[dict]:
    """A byte in or beside an element of a #field-name list, next to commas and whitespace."""
    templates = [("alone", "?"), ("start", "a,?x,c"), ("mid", "a, x?y ,c"), ("end", "a,x?"),
                 ("after-comma-ows", ", ?"), ("after-element-ows", "x ?,y")]

    def make(template, byte):
        return {"headers": [["Access-Control-Expose-Headers", fill(template, byte)]],
                "name": "Access-Control-Expose-Headers"}

    return byte_family("name-list", "name-list", templates, make,
                       ["fetch#extract-header-list-values", "fetch#http-new-header-syntax",
                        "rfc9110#section-5.6.1"])


def family_split() -> list[dict]:
    """A byte in a value read by "get, decode, and split": beside commas, SP/HTAB and quotes, inside a
    quoted string, after a backslash, and in a quoted string that spans two lines."""
    templates = [("alone", ["?"]), ("mid", ["a,b?c,d"]), ("ows", ["a ? ,b"]), ("in-quotes", ['"a?b",c']),
                 ("after-backslash", ['"a\\?b",c']), ("quote-across-lines", ['x"a?', 'b",c'])]

    def make(lines, byte):
        filled = [fill(line, byte) if HOLE in line else line for line in lines]
        return {"headers": [["A", value] for value in filled], "name": "A"}

    return byte_family("split", "split", templates, make,
                       ["fetch#concept-header-list-get-decode-split", "fetch#header-value-get-decode-and-split",
                        "fetch#collect-an-http-quoted-string"])


def family_token() -> list[dict]:
    """A byte at the start, middle and end of a token (the byte alone is in token.json)."""
    templates = [("start", "?ab"), ("mid", "a?b"), ("end", "ab?")]
    return byte_family("token", "token", templates, lambda t, b: {"value": fill(t, b)},
                       ["rfc9110#section-5.6.2"])


def family_field_value() -> list[dict]:
    """A byte alone, at the start and at the end of a header value (x<byte>x is in field-value.json)."""
    templates = [("alone", "?"), ("start", "?ab"), ("end", "ab?")]
    return byte_family("field-value", "field-value", templates, lambda t, b: {"value": fill(t, b)},
                       ["fetch#header-value"])


def family_origin() -> list[dict]:
    """A byte in the host of a serialized origin: first, inside a label, last, before the port, and
    inside an IPv6 literal."""
    templates = [("host-start", "https://?a.example"), ("host-mid", "https://a?b.example"),
                 ("host-end", "https://a.example?"), ("before-port", "https://a.example?:8443"),
                 ("ipv6-mid", "http://[2001:db8::?1]")]
    return byte_family("origin", "origin", templates, lambda t, b: {"value": fill(t, b)},
                       ["fetch#origin-header", "fetch#http-new-header-syntax", "url#concept-url-origin"])


def family_request_safelisted() -> list[dict]:
    """A byte at the start, middle and end of the values of the five CORS-safelisted request headers
    (the byte alone for Accept and Accept-Language, and Content-Type's charset parameter, are in
    request-safelisted.json)."""
    headers = [
        ("accept", "Accept", [("start", "?text/html"), ("mid", "text/h?tml"), ("end", "text/html?")],
         ["fetch#cors-safelisted-request-header", "fetch#cors-unsafe-request-header-byte"]),
        ("accept-language", "Accept-Language", [("start", "?en-US"), ("mid", "en?US"), ("end", "en-US?")],
         ["fetch#cors-safelisted-request-header"]),
        ("content-language", "Content-Language",
         [("alone", "?"), ("start", "?de-DE"), ("mid", "de?DE"), ("end", "de-DE?")],
         ["fetch#cors-safelisted-request-header"]),
        ("content-type", "Content-Type",
         [("start", "?text/plain"), ("type-end", "text?/plain"), ("mid", "text/pl?ain"), ("end", "text/plain?")],
         ["fetch#cors-safelisted-request-header", "fetch#cors-unsafe-request-header-byte",
          "mimesniff#parse-a-mime-type"]),
        ("range", "Range",
         [("start", "?bytes=0-1"), ("unit-end", "bytes?=0-1"), ("mid", "bytes=0?-1"), ("end", "bytes=0-1?")],
         ["fetch#cors-safelisted-request-header", "fetch#simple-range-header-value"]),
    ]
    cases = []
    for key, name, templates, spec in headers:
        cases += byte_family("request-safelisted", "request-safelisted", templates,
                             lambda t, b, name=name: {"name": name, "value": fill(t, b)}, spec,
                             prefix=key + "/")
    return cases


def family_singleton() -> list[dict]:
    """Not byte-exhaustive: each header that name-list reads as a singleton (SEMANTICS.md §4 name-list
    step 2, corsref.headers.SINGLETON_HEADER_NAMES), and three that are lists, on one line and on two."""
    names = ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Max-Age",
             "Access-Control-Request-Method", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
             "Access-Control-Expose-Headers"]
    assert {n.lower().encode() for n in names[:4]} == set(SINGLETON_HEADER_NAMES)
    cases = []
    for name in names:
        key = name.lower()
        cases.append(case("gen/singleton/%s-one-line" % key, "name-list",
                          {"headers": [[name, "a"]], "name": name},
                          ["fetch#extract-header-list-values", "rfc9110#section-5.6.1"], "singleton"))
        cases.append(case("gen/singleton/%s-two-lines" % key, "name-list",
                          {"headers": [[name, "a"], ["X-Other", "b"], [key, "c"]], "name": name},
                          ["fetch#extract-header-list-values", "rfc9110#section-5.6.1"], "singleton"))
    return cases


def family_policy_origin() -> list[dict]:
    """A byte in the request's Origin against a server policy's patterns (policy-apply): inside a label a
    subdomain pattern covers, in place of the dot before its base (the unescaped-dot bypass), after
    the host, and inside the port of an any-port pattern."""
    policy = {"origins": ["https://*.example.com", "https://app.example:*"]}
    templates = [("label", "https://a?b.example.com"), ("base-dot", "https://a?example.com"),
                 ("host-end", "https://a.example.com?"), ("port", "https://app.example:8?43")]

    def make(template, byte):
        return {"policy": policy, "method": "GET", "headers": [["Origin", fill(template, byte)]]}

    return byte_family("policy-origin", "policy-apply", templates, make,
                       ["corshdr#policy-apply", "corshdr#policy-origins", "fetch#origin-header"])


def family_policy_entry() -> list[dict]:
    """A byte in an origin entry of a policy (policy-compile): in an exact origin's host, and in a
    subdomain pattern right after its `*`."""
    templates = [("exact-host", "https://a?b.example"), ("after-star", "https://*?example.com")]

    def make(template, byte):
        return {"policy": {"origins": [fill(template, byte)]}}

    return byte_family("policy-entry", "policy-compile", templates, make,
                       ["corshdr#policy-compile", "corshdr#policy-origins"])


def family_policy_acrh() -> list[dict]:
    """A byte inside a name of a preflight's Access-Control-Request-Headers (policy-apply), against a
    policy that allows every name but Authorization."""
    policy = {"origins": ["https://app.example"], "headers": ["*"]}

    def make(template, byte):
        return {"policy": policy, "method": "OPTIONS",
                "headers": [["Origin", "https://app.example"], ["Access-Control-Request-Method", "GET"],
                            ["Access-Control-Request-Headers", fill(template, byte)]]}

    return byte_family("policy-acrh", "policy-apply", [("name-mid", "x-a, x?b")], make,
                       ["corshdr#policy-apply", "fetch#extract-header-list-values"])


FAMILIES = {
    "header-name": family_header_name,
    "name-list": family_name_list,
    "split": family_split,
    "token": family_token,
    "field-value": family_field_value,
    "origin": family_origin,
    "request-safelisted": family_request_safelisted,
    "singleton": family_singleton,
    "policy-origin": family_policy_origin,
    "policy-entry": family_policy_entry,
    "policy-acrh": family_policy_acrh,
}


# ---- output -------------------------------------------------------------------------------------

# The order of a case's keys in every vector file (DESIGN.md section 4).
KEY_ORDER = ("id", "op", "input", "expected", "spec", "source", "variants", "profile", "note")


def render(cases: list[dict]) -> str:
    """The layout of every vector file: one key per line in KEY_ORDER, values as compact ASCII JSON."""
    out = ["["]
    for i, c in enumerate(cases):
        assert set(c) <= set(KEY_ORDER), sorted(set(c) - set(KEY_ORDER))
        body = ",\n".join("    %s: %s" % (json.dumps(k), json.dumps(c[k], ensure_ascii=True))
                          for k in KEY_ORDER if k in c)
        out.append("  {\n%s\n  }%s" % (body, "," if i < len(cases) - 1 else ""))
    out.append("]")
    return "\n".join(out) + "\n"


def file_name(family: str) -> str:
    return "generated-%s.json" % family


def generate(out_dir: Path) -> list[Path]:
    """Writes every family into out_dir; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    seen = set()
    for family, make in FAMILIES.items():
        cases = make()
        for c in cases:
            assert c["id"] not in seen, c["id"]
            seen.add(c["id"])
        path = out_dir / file_name(family)
        path.write_bytes(render(cases).encode("ascii"))
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=VECTORS_DIR, help="output directory (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the families and their case counts")
    args = parser.parse_args(argv)
    if args.list:
        for family, make in FAMILIES.items():
            print("%-20s %5d  %s" % (family, len(make()), file_name(family)))
        return 0
    for path in generate(args.out):
        print("wrote %s (%d bytes)" % (path, path.stat().st_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
