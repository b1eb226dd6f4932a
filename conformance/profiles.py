"""Which profile a vector belongs to (SEMANTICS.md §6): `fetch`, a rule of RFC 9110 / the Fetch standard
that every implementation is judged on, or `corshdr`, a choice of this library where the specs leave
room or where it is deliberately stricter.

Every vector carries its profile in its `profile` field; `profile_of` is the rule that field must
follow (test_vectors.py checks every vector against it, generate.py writes it). A vector is `corshdr`
when its expected result rests on one of these choices:

- limits: a header read as a list (the one `name-list` reads; Access-Control-Expose-Headers for
  `exposed`; -Allow-Methods and -Allow-Headers for `preflight`) holds more elements, empty elements or
  bytes than SEMANTICS.md §3 allows;
- no cap on max-age: the expected max-age exceeds 600 s (Fetch lets an implementation impose a limit;
  600 s is the lowest any engine imposes, WebKit's);
- names that are not tokens: a header list holds a field name that is not a token, which corshdr rejects
  as a network error (Fetch's header list cannot hold one, so what happens to such a line is left to the
  HTTP layer; both engines drop the line: the vectors' variants record it);
- strict origins: an `origin` vector whose verdict differs from Fetch's `Origin` ABNF
  (origin-or-null, with RFC 3986's scheme, host and port), which allows upper case, other reg-name
  bytes, percent-escapes, default and zero-led ports that a browser never sends;
- the server policy: every `policy-compile` and `policy-apply` vector. Fetch defines what a client
  checks, not what a server allows or how it answers; the policy is this library's design (where an
  answer follows from a Fetch rule, the vector's `spec` cites it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE / "reference") not in sys.path:
    sys.path.insert(0, str(HERE / "reference"))

from corsref.headers import DEFAULT_LIMITS  # noqa: E402
from corsref.infra import is_token  # noqa: E402
from corsref.origin import IPV6  # noqa: E402

PROFILES = ("fetch", "corshdr")
POLICY_OPS = ("policy-compile", "policy-apply")
MAX_AGE_CAP_FLOOR = 600

# Fetch `Origin` header ABNF: origin-or-null = origin / %s"null"; origin = scheme "://" host [":" port],
# with RFC 3986 §3.1 scheme, §3.2.2 host (IP-literal / IPv4address / reg-name; IPv4address is within
# reg-name) and §3.2.3 port = *DIGIT. ABNF strings and ALPHA/HEXDIG match either case.
_UNRESERVED = rb"A-Za-z0-9\-._~"
_SUB_DELIMS = rb"!$&'()*+,;="
_REG_NAME = rb"(?:[%s%s]|%%[0-9A-Fa-f]{2})*" % (_UNRESERVED, _SUB_DELIMS)
_IPV6_ANY_CASE = IPV6.replace(b"[0-9a-f]", b"[0-9A-Fa-f]")
_IPVFUTURE = rb"[vV][0-9A-Fa-f]+\.[%s%s:]+" % (_UNRESERVED, _SUB_DELIMS)
FETCH_ORIGIN = re.compile(rb"[A-Za-z][A-Za-z0-9+\-.]*://(?:\[(?:%s|%s)\]|%s)(?::[0-9]*)?"
                          % (_IPV6_ANY_CASE, _IPVFUTURE, _REG_NAME))


def matches_fetch_origin_abnf(value: bytes) -> bool:
    return value == b"null" or FETCH_ORIGIN.fullmatch(value) is not None


def _list_headers(case: dict) -> list[bytes]:
    """The (lowercase) names of the headers the op reads as #field-name / #method lists."""
    op = case["op"]
    if op == "name-list":
        return [case["input"]["name"].encode("latin-1").lower()]
    if op == "exposed":
        return [b"access-control-expose-headers"]
    if op == "preflight":
        return [b"access-control-allow-methods", b"access-control-allow-headers"]
    return []


def _over_limits(headers: list[tuple[bytes, bytes]], name: bytes) -> bool:
    lines = [v.strip(b" \t") for n, v in headers if n.lower() == name]
    if not lines:
        return False
    elements = [e.strip(b" \t") for line in lines for e in line.split(b",")]
    empty = sum(1 for e in elements if not e)
    return (sum(len(line) for line in lines) > DEFAULT_LIMITS.max_bytes
            or len(elements) - empty > DEFAULT_LIMITS.max_elements or empty > DEFAULT_LIMITS.max_empty)


def profile_of(case: dict) -> tuple[str, str]:
    """(profile, the reason when it is `corshdr`)."""
    given, expected = case["input"], case["expected"]
    if case["op"] in POLICY_OPS:
        return "corshdr", "the server policy"
    if case["op"] == "origin" and "valid" in expected:
        if matches_fetch_origin_abnf(given["value"].encode("latin-1")) != expected["valid"]:
            return "corshdr", "strict origin serialization"
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in given.get("headers", [])]
    if any(not is_token(n) for n, _ in headers):
        return "corshdr", "a field name that is not a token is a network error"
    if any(_over_limits(headers, name) for name in _list_headers(case)):
        return "corshdr", "limits"
    max_age = expected.get("max_age", expected.get("seconds") if case["op"] == "max-age" else None)
    if isinstance(max_age, int) and max_age > MAX_AGE_CAP_FLOOR:
        return "corshdr", "no cap on max-age"
    return "fetch", ""
