"""Unit tests of the reference model, op by op, mostly on the specs' own examples.

Run: /usr/bin/python3 -m pytest conformance/reference -q
"""

import ipaddress
import re

import pytest
from hypothesis import given, settings, strategies as st

from corsref import MalformedCase, run_op
from corsref.headers import DEFAULT_LIMITS, HeaderList, NetworkError
from corsref.infra import Cursor, collect_http_quoted_string
from corsref.mime import parse_mime_type
from corsref.origin import IPV4, IPV6
from corsref.request import parse_single_range_header_value

H = "Access-Control-Allow-Headers"
M = "Access-Control-Allow-Methods"
O = "Access-Control-Allow-Origin"
C = "Access-Control-Allow-Credentials"
E = "Access-Control-Expose-Headers"
MA = "Access-Control-Max-Age"


# ---- token, field-value -------------------------------------------------------------

@pytest.mark.parametrize("value, valid", [
    ("GET", True), ("x-custom_1", True), ("!#$%&'*+-.^_`|~", True),
    ("", False), ("a b", False), ("a:b", False), ("a,b", False), ('"a"', False),
    ("a/b", False), ("\u00e9", False), ("a\x7f", False), ("(", False),
])
def test_token(value, valid):
    assert run_op("token", {"value": value}) == {"valid": valid}


@pytest.mark.parametrize("value, valid", [
    ("", True), ("a b", True), ("\x0b\x0cvt-ff\x7f\x01", True), ("caf\u00e9\u00ff", True),
    (" a", False), ("a ", False), ("\ta", False), ("a\t", False),
    ("a\x00b", False), ("a\rb", False), ("a\nb", False),
])
def test_field_value(value, valid):
    assert run_op("field-value", {"value": value}) == {"valid": valid}


# ---- combine (Fetch "get") ------------------------------------------------------------

@pytest.mark.parametrize("headers, expected", [
    ([["B", "x"]], None),
    ([["A", "1"]], "1"),
    ([["a", " 1 "], ["B", "x"], ["A", "\t2"]], "1, 2"),
    ([["A", ""], ["A", "b"]], ", b"),                  # SEMANTICS.md: empty values are kept
    ([["A", " \x0b \xff "]], "\x0b \xff"),              # only SP / HTAB are trimmed
])
def test_combine(headers, expected):
    assert run_op("combine", {"headers": headers, "name": "A"}) == {"value": expected}


# ---- split (Fetch "get, decode, and split": the example table, name `A`) -----------------

GET_DECODE_SPLIT_EXAMPLES = [
    ([["A", "nosniff,"]], ["nosniff", ""]),
    ([["A", "nosniff"], ["B", "sniff"], ["A", ""]], ["nosniff", ""]),
    ([["A", ""], ["B", "sniff"]], [""]),
    ([["B", "sniff"]], None),
    ([["A", 'text/html;", x/x']], ['text/html;", x/x']),
    ([["A", 'text/html;"'], ["A", "x/x"]], ['text/html;", x/x']),
    ([["A", 'x/x;test="hi",y/y']], ['x/x;test="hi"', "y/y"]),
    ([["A", 'x/x;test="hi"'], ["C", "**bingo**"], ["A", "y/y"]], ['x/x;test="hi"', "y/y"]),
    ([["A", "x / x,,,1"]], ["x / x", "", "", "1"]),
    ([["A", "x / x"], ["A", ","], ["A", "1"]], ["x / x", "", "", "1"]),
    ([["A", '"1,2", 3']], ['"1,2"', "3"]),
    ([["A", '"1,2"'], ["D", "4"], ["A", "3"]], ['"1,2"', "3"]),
]


@pytest.mark.parametrize("headers, expected", GET_DECODE_SPLIT_EXAMPLES)
def test_split_fetch_examples(headers, expected):
    assert run_op("split", {"headers": headers, "name": "A"}) == {"values": expected}


@pytest.mark.parametrize("value, expected", [
    ('"a\\",b", c', ['"a\\",b"', "c"]),        # a backslash escape does not end the string
    ('a"b,c"d,e', ['a"b,c"d', "e"]),            # quotes inside an element
    ('"a', ['"a']),                             # unterminated: runs to the end
    ('"a\\', ['"a\\']),                         # backslash at the very end
    (" , ", ["", ""]),
])
def test_split_quoting(value, expected):
    assert run_op("split", {"headers": [["A", value]], "name": "a"}) == {"values": expected}


def test_split_quoted_string_spans_lines():
    headers = [["A", '"a'], ["A", 'b"']]
    assert run_op("split", {"headers": headers, "name": "A"}) == {"values": ['"a, b"']}


# Fetch "collect an HTTP quoted string" example table: input, output, output with
# extract-value, final position.
@pytest.mark.parametrize("data, output, extracted, position", [
    (b'"\\', b'"\\', b"\\", 2),
    (b'"Hello" World', b'"Hello"', b"Hello", 7),
    (b'"Hello \\\\ World\\""', b'"Hello \\\\ World\\""', b'Hello \\ World"', 18),
])
def test_collect_http_quoted_string_examples(data, output, extracted, position):
    cursor = Cursor(data)
    assert collect_http_quoted_string(cursor) == output
    assert cursor.position == position
    cursor = Cursor(data)
    assert collect_http_quoted_string(cursor, extract_value=True) == extracted
    assert cursor.position == position


# ---- name-list (Fetch "extract header list values") --------------------------------------

def name_list(headers, name=H):
    return run_op("name-list", {"headers": headers, "name": name})


@pytest.mark.parametrize("headers, expected", [
    ([["X", "a"]], {"values": None}),
    ([[H, ""]], {"values": []}),
    ([[H, " , ,"], [H, ""]], {"values": []}),
    ([[H, "X-A, x-b"], ["x", "y"], [H.lower(), ",X-A,,"]], {"values": ["X-A", "x-b", "X-A"]}),
    ([[H, "*"]], {"values": ["*"]}),
    ([[H, "a b"]], {"failure": True}),
    ([[H, "a"], [H, '"b"']], {"failure": True}),
    ([[H, "a;b"]], {"failure": True}),
    ([[H, "\u00e9"]], {"failure": True}),
])
def test_name_list(headers, expected):
    assert name_list(headers) == expected


@pytest.mark.parametrize("name", [O, C, MA])
def test_name_list_singleton_on_two_lines_fails(name):
    assert name_list([[name, "a"]], name) == {"values": ["a"]}
    assert name_list([[name, "a"], [name.upper(), "a"]], name) == {"failure": True}


def test_name_list_element_limit():
    limit = DEFAULT_LIMITS.max_elements
    at_limit = ",".join(["a"] * limit)
    assert name_list([[H, at_limit]]) == {"values": ["a"] * limit}
    assert name_list([[H, at_limit], [H, "b"]]) == {"failure": True}


def test_limits_apply_to_the_ops_built_on_name_list():
    names = ",".join("x-%d" % i for i in range(DEFAULT_LIMITS.max_elements))
    assert preflight([[O, "*"], [H, names]], request_headers=["X-7"])["ok"] is True
    assert preflight([[O, "*"], [H, names + ",x-a"]], request_headers=["X-7"]) == {"ok": False}
    assert exposed([["X-7", "1"], [E, names]]) == ["x-7"]
    assert exposed([["X-7", "1"], [E, names + ",x-a"]]) == []


def test_name_list_empty_element_limit():
    limit = DEFAULT_LIMITS.max_empty
    assert name_list([[H, "a" + "," * limit]]) == {"values": ["a"]}
    assert name_list([[H, "a" + "," * (limit + 1)]]) == {"failure": True}


def test_name_list_byte_limit_counts_trimmed_lines():
    limit = DEFAULT_LIMITS.max_bytes
    value = "a" * limit
    assert name_list([[H, "  " + value + "  "]]) == {"values": [value]}
    assert name_list([[H, value], [H, "b"]]) == {"failure": True}


@settings(database=None)  # no .hypothesis/ directory in the work tree
@given(st.lists(st.sampled_from(["a", "B-c", "*", "", " ", "x_y", "GET", "a b"]), max_size=12),
       st.lists(st.integers(min_value=0, max_value=12), max_size=4))
def test_name_list_splitting_lines_at_commas_changes_nothing(elements, cuts):
    # DESIGN.md §6: splitting a value into several lines at commas does not change a list.
    one_line = name_list([[H, ",".join(elements)]])
    boundaries = sorted({c for c in cuts if 0 < c < len(elements)})
    pieces = [elements[a:b] for a, b in zip([0] + boundaries, boundaries + [len(elements)])]
    many_lines = name_list([[H, ",".join(piece)] for piece in pieces])
    assert many_lines == one_line


@settings(database=None)
@given(st.lists(st.lists(st.sampled_from("ab ,\t\\")).map("".join), min_size=1, max_size=5))
def test_split_without_quotes_is_a_plain_split(lines):
    # With no `"` in the values, "get, decode, and split" is: join the lines with ", ",
    # cut at every comma, trim SP / HTAB from each piece.
    headers = [["A", line] for line in lines]
    trimmed = [line.strip(" \t") for line in lines]
    expected = [piece.strip(" \t") for piece in ", ".join(trimmed).split(",")]
    assert run_op("split", {"headers": headers, "name": "A"}) == {"values": expected}


# ---- network errors (SEMANTICS.md §1) --------------------------------------------------

HEADER_OPS = {
    "combine": {"name": "A"}, "split": {"name": "A"}, "name-list": {"name": "A"},
    "exposed": {"credentials": "omit"},
    "cors-check": {"origin": "https://a.example", "credentials": "omit"},
    "preflight": {"origin": "https://a.example", "credentials": "omit", "method": "GET",
                  "request_headers": [], "status": 200},
    "max-age": {}, "unsafe-names": {},
}


@pytest.mark.parametrize("op", sorted(HEADER_OPS))
@pytest.mark.parametrize("bad_line", [
    ["Other", "a\x00b"], ["Other", "a\rb"], ["Other", "a\n"],
    ["", "v"], ["Bad Name", "v"], ["Bad:Name", "v"], ["N\u00e9", "v"],
])
def test_network_error_for_any_bad_line(op, bad_line):
    good = [["A", "x"], [O, "*"]]
    headers = good + [bad_line]
    assert run_op(op, dict(HEADER_OPS[op], headers=headers)) == {"network_error": True}
    assert run_op(op, dict(HEADER_OPS[op], headers=good)) != {"network_error": True}


def test_header_list_trims_sp_and_htab_only():
    headers = HeaderList.from_field_lines([(b"A", b" \t\x0bx\x0c\t ")])
    assert headers.headers == [(b"A", b"\x0bx\x0c")]
    with pytest.raises(NetworkError):
        HeaderList.from_field_lines([(b"A", b"x\r")])


# ---- exposed (main fetch step 14.1 + CORS filtered response) ------------------------------

def exposed(headers, credentials="omit"):
    return run_op("exposed", {"credentials": credentials, "headers": headers})["readable"]


def test_exposed_fetch_example():
    # Fetch "example-cors-with-response-header": only the listed header becomes readable.
    headers = [
        ["Content-Security-Policy", "default-src 'self'"],
        ["Strict-Transport-Security", "max-age=31536000; includeSubdomains; preload"],
        [E, "Content-Security-Policy"],
    ]
    assert exposed(headers) == ["content-security-policy"]


def test_exposed_safelisted_names_without_list():
    headers = [["Cache-Control", "x"], ["CONTENT-TYPE", "x"], ["Expires", "x"],
               ["Last-Modified", "x"], ["Pragma", "x"], ["Content-Language", "x"],
               ["Content-Length", "1"], ["X-Other", "x"], ["ETag", "x"]]
    assert exposed(headers) == ["cache-control", "content-language", "content-length",
                                "content-type", "expires", "last-modified", "pragma"]


@pytest.mark.parametrize("credentials", ["omit", "same-origin"])
def test_exposed_wildcard_without_credentials(credentials):
    headers = [["X-B", "1"], ["x-a", "2"], ["X-A", "3"], ["Set-Cookie", "c=1"],
               ["set-cookie2", "c=2"], [E, "*"]]
    assert exposed(headers, credentials) == [E.lower(), "x-a", "x-b"]


def test_exposed_wildcard_with_credentials_is_a_literal_name():
    headers = [["X-A", "1"], ["*", "2"], [E, "*"]]
    assert exposed(headers, "include") == ["*"]
    assert exposed(headers, "omit") == ["*", E.lower(), "x-a"]


def test_exposed_never_set_cookie():
    headers = [["Set-Cookie", "a"], ["Set-Cookie2", "b"], ["X-A", "1"],
               [E, "set-cookie, SET-COOKIE2, x-a"]]
    assert exposed(headers, "include") == ["x-a"]


def test_exposed_failure_means_empty_list():
    headers = [["X-A", "1"], ["Pragma", "p"], [E, "x-a, not a token"]]
    assert exposed(headers) == ["pragma"]


def test_exposed_lines_combine():
    headers = [["X-A", "1"], ["X-B", "1"], ["X-C", "1"], [E, "x-a"], [E, "X-B"]]
    assert exposed(headers) == ["x-a", "x-b"]


# ---- cors-check (Fetch "CORS check") -----------------------------------------------------

# Fetch "CORS protocol and credentials" table, for a request from https://rabbit.invalid.
@pytest.mark.parametrize("credentials, allow_origin, allow_credentials, shared", [
    ("omit", "*", None, True),
    ("omit", "*", "true", True),
    ("omit", "https://rabbit.invalid/", None, False),
    ("omit", "https://rabbit.invalid", None, True),
    ("include", "*", "true", False),
    ("include", "https://rabbit.invalid", "true", True),
    ("include", "https://rabbit.invalid", "True", False),
])
def test_cors_check_credentials_table(credentials, allow_origin, allow_credentials, shared):
    headers = [[O, allow_origin]]
    if allow_credentials is not None:
        headers.append([C, allow_credentials])
    case = {"origin": "https://rabbit.invalid", "credentials": credentials, "headers": headers}
    assert run_op("cors-check", case) == {"ok": shared}


@pytest.mark.parametrize("origin, credentials, headers, ok", [
    ("https://a.example", "omit", [], False),
    ("null", "omit", [[O, "null"]], True),
    ("https://a.example", "omit", [[O, "null"]], False),
    ("https://a.example", "omit", [[O, "https://A.example"]], False),
    ("https://a.example", "omit", [[O, " https://a.example\t"]], True),
    ("https://a.example", "omit", [[O, "*"], [O, "*"]], False),
    ("https://a.example", "omit", [[O, "https://a.example"], [O, "https://a.example"]], False),
    ("https://a.example", "include", [[O, "https://a.example"]], False),
    ("https://a.example", "include", [[O, "https://a.example"], [C, "true"], [C, "true"]], False),
    ("https://a.example", "same-origin", [[O, "https://a.example"], [C, "false"]], True),
])
def test_cors_check(origin, credentials, headers, ok):
    assert run_op("cors-check", {"origin": origin, "credentials": credentials,
                                 "headers": headers}) == {"ok": ok}


# ---- preflight (Fetch "CORS-preflight fetch" step 7) ------------------------------------

def preflight(headers, method="GET", request_headers=(), credentials="omit", status=200,
              origin="https://a.example"):
    return run_op("preflight", {"origin": origin, "credentials": credentials, "method": method,
                                "request_headers": list(request_headers), "status": status,
                                "headers": headers})


def test_preflight_safelisted_method_needs_nothing():
    assert preflight([[O, "*"]], method="post") == {"ok": True, "max_age": 5}


@pytest.mark.parametrize("status, ok", [(199, False), (200, True), (204, True), (299, True),
                                        (300, False), (404, False)])
def test_preflight_ok_status(status, ok):
    assert preflight([[O, "*"]], status=status)["ok"] is ok


def test_preflight_method_normalization_example():
    # Fetch "example-normalization": `patch` is not normalized, so it is not `PATCH`.
    assert preflight([[O, "*"], [M, "PATCH"]], method="patch") == {"ok": False}
    assert preflight([[O, "*"], [M, "patch"]], method="patch")["ok"] is True
    assert preflight([[O, "*"], [M, "DELETE"]], method="delete")["ok"] is True
    assert preflight([[O, "*"], [M, "delete"]], method="delete") == {"ok": False}


def test_preflight_method_wildcard():
    allowed = [[O, "https://a.example"], [C, "true"], [M, "*"]]
    assert preflight(allowed, method="PUT")["ok"] is True
    assert preflight(allowed, method="PUT", credentials="include") == {"ok": False}
    assert preflight(allowed + [[M, "PUT"]], method="PUT", credentials="include")["ok"] is True


def test_preflight_headers():
    base = [[O, "https://a.example"], [C, "true"]]
    assert preflight(base + [[H, "x-a, X-B"]], request_headers=["X-A", "x-b"])["ok"] is True
    assert preflight(base + [[H, "x-a"]], request_headers=["X-A", "x-b"]) == {"ok": False}
    assert preflight(base + [[H, "*"]], request_headers=["x-b"])["ok"] is True
    assert preflight(base + [[H, "*"]], request_headers=["x-b"], credentials="include") == {"ok": False}


def test_preflight_authorization_is_never_covered_by_wildcard():
    base = [[O, "*"]]
    assert preflight(base + [[H, "*"]], request_headers=["Authorization"]) == {"ok": False}
    assert preflight(base + [[H, "*, authorization"]], request_headers=["AUTHORIZATION"])["ok"] is True


def test_preflight_list_failure_fails():
    assert preflight([[O, "*"], [H, "a b"]]) == {"ok": False}
    assert preflight([[O, "*"], [M, "GET,"], [M, "P(UT"]]) == {"ok": False}


def test_preflight_cors_check_failure_fails():
    assert preflight([[M, "*"]]) == {"ok": False}
    assert preflight([[O, "*"]], credentials="include") == {"ok": False}


def test_preflight_status_may_be_an_integral_json_number():
    assert preflight([[O, "*"]], status=204.0) == {"ok": True, "max_age": 5}
    assert preflight([[O, "*"]], status=2e2) == {"ok": True, "max_age": 5}


def test_preflight_max_age_no_cap():
    assert preflight([[O, "*"], [MA, "86400000"]]) == {"ok": True, "max_age": 86400000}
    assert preflight([[O, "*"], [MA, "-1"]]) == {"ok": True, "max_age": 0}


# ---- max-age -------------------------------------------------------------------------

@pytest.mark.parametrize("headers, seconds", [
    ([], 5),
    ([[MA, "600"]], 600),
    ([[MA, " 0 "]], 0),
    ([[MA, "007"]], 7),
    ([[MA, "-1"]], 0), ([[MA, "-0"]], 0), ([[MA, "-99999999999999999999"]], 0),
    ([[MA, "2147483647"]], 2147483647),
    ([[MA, "2147483648"]], 2147483648),
    ([[MA, "2147483649"]], 2147483648),
    ([[MA, "0000000000000000000012"]], 12),
    ([[MA, "9" * 5000]], 2147483648),
    ([[MA, ""]], 5), ([[MA, "+5"]], 5), ([[MA, "5s"]], 5), ([[MA, "5 5"]], 5),
    ([[MA, "1.5"]], 5), ([[MA, "-"]], 5), ([[MA, "--1"]], 5), ([[MA, "\u00b2"]], 5), ([[MA, "1\u00b9"]], 5),
    ([[MA, "10"], [MA, "10"]], 5),
])
def test_max_age(headers, seconds):
    assert run_op("max-age", {"headers": headers}) == {"seconds": seconds}


# ---- request-safelisted (Fetch "CORS-safelisted request-header") ---------------------------

@pytest.mark.parametrize("name, value, safelisted", [
    ("Accept", "text/html, */*;q=0.8", True),
    ("accept", "a" * 128, True),
    ("accept", "a" * 129, False),
    ("Accept", "a\tb", True),
    ("Accept", "a\x01", False), ("Accept", "a\x7f", False), ("Accept", 'a"', False),
    ("Accept", "{}", False), ("Accept", "\u00e9", True),
    ("Accept-Language", "en-US,en;q=0.9, *", True),
    ("Content-Language", "de_DE", False),
    ("accept-language", "en\t", False),
    ("Content-Type", "text/plain", True),
    ("content-type", " TEXT/Plain ;charset=UTF-8", True),
    ("Content-Type", "multipart/form-data; boundary=x", True),
    ("Content-Type", "application/x-www-form-urlencoded", True),
    ("Content-Type", "application/json", False),
    ("Content-Type", "text/plain, application/json", False),
    ("Content-Type", "text/plain;x=\"a\"", False),        # `"` is a CORS-unsafe byte
    ("Content-Type", "text/plain;charset=\u00e9", True),
    ("Content-Type", "text/", False),
    ("Content-Type", "text", False),
    ("Range", "bytes=0-", True), ("Range", "bytes=0-500", True), ("Range", "bytes=5-5", True),
    ("Range", "bytes=-500", False),                       # Fetch: not safelisted (note)
    ("Range", "bytes=500-100", False), ("Range", "bytes=-", False),
    ("Range", "Bytes=0-", False), ("Range", "bytes =0-", False), ("Range", "bytes= 0-", False),
    ("Range", "bytes=0-1,2-3", False), ("Range", "bytes=0-1 ", False),
    ("Range", "bytes=" + "9" * 60 + "-" + "9" * 59, False),
    ("Range", "bytes=" + "9" * 59 + "-" + "9" * 60, True),
    ("X-Custom", "a", False), ("DPR", "2", False), ("Save-Data", "on", False),
])
def test_request_safelisted(name, value, safelisted):
    assert run_op("request-safelisted", {"name": name, "value": value}) == {"safelisted": safelisted}


def test_parse_single_range_header_value_with_whitespace():
    assert parse_single_range_header_value(b"bytes \t= 1 - 2", True) == (1, 2)
    assert parse_single_range_header_value(b"bytes=-5", False) == (None, 5)
    assert parse_single_range_header_value(b"bytes = 1-2", False) is None


# MIME Sniffing "parse a MIME type".
def test_parse_mime_type_trailing_garbage_example():
    mime = parse_mime_type(b'text/html;charset="shift_jis"iso-2022-jp')
    assert mime.essence == b"text/html"
    assert mime.parameters == {b"charset": b"shift_jis"}


def test_parse_mime_type_details():
    assert parse_mime_type(b"text/html;").parameters == {}
    mime = parse_mime_type(b" Text/HTML ; A=1;a=2;b;c=;d=\"x\\\"y\";=e;f g=h")
    assert mime.essence == b"text/html"
    assert mime.parameters == {b"a": b"1", b"d": b'x"y'}
    for bad in (b"", b" ", b"/html", b"text/", b"te xt/html", b"text/ht ml", b"text"):
        assert parse_mime_type(bad) is None


# ---- unsafe-names (Fetch "CORS-unsafe request-header names") -------------------------------

def unsafe(headers):
    return run_op("unsafe-names", {"headers": headers})


def test_unsafe_names_fetch_content_type_example():
    # Fetch "example-cors-safelisted-request-header-content-type": the JSON line is unsafe.
    headers = [["Content-Type", "application/json"], ["Content-Type", "text/plain"]]
    assert unsafe(headers) == {"names": ["content-type"], "acrh": "content-type"}


def test_unsafe_names_sorted_lowercase_unique():
    headers = [["X-B", "1"], ["Accept", "*/*"], ["x-a", "1"], ["X-A", "2"], ["Authorization", "x"]]
    assert unsafe(headers) == {"names": ["authorization", "x-a", "x-b"],
                               "acrh": "authorization,x-a,x-b"}


def test_unsafe_names_none():
    assert unsafe([]) == {"names": [], "acrh": None}
    assert unsafe([["Accept", " text/html "]]) == {"names": [], "acrh": None}


def test_unsafe_names_safelisted_total_over_1024():
    # Each value is safelisted (<= 128 bytes) but together they pass 1024 bytes.
    at_limit = [["Accept", "a" * 128]] * 8                              # 1024 bytes
    assert unsafe(at_limit) == {"names": [], "acrh": None}
    over = at_limit + [["Content-Language", "x"]]                       # 1025 bytes
    assert unsafe(over) == {"names": ["accept", "content-language"],
                            "acrh": "accept,content-language"}


def test_unsafe_names_value_is_trimmed_before_the_128_byte_check():
    assert unsafe([["Accept", "  " + "a" * 128 + "  "]]) == {"names": [], "acrh": None}


# ---- forbidden-request (Fetch "forbidden request-header") ----------------------------------

@pytest.mark.parametrize("name, value, forbidden", [
    ("Accept-Charset", "", True), ("accept-encoding", "x", True), ("DNT", "1", True),
    ("Access-Control-Request-Headers", "a", True), ("access-control-request-method", "a", True),
    ("Connection", "x", True), ("Content-Length", "1", True), ("Cookie", "x", True),
    ("Cookie2", "x", True), ("Date", "x", True), ("Expect", "x", True), ("HOST", "x", True),
    ("Keep-Alive", "x", True), ("Origin", "x", True), ("Referer", "x", True),
    ("Set-Cookie", "x", True), ("TE", "x", True), ("Trailer", "x", True),
    ("Transfer-Encoding", "x", True), ("Upgrade", "x", True), ("Via", "x", True),
    ("Proxy-Authorization", "x", True), ("proxy-", "x", True), ("Sec-Fetch-Mode", "x", True),
    ("SEC-", "x", True),
    ("Proxy", "x", False), ("Sec", "x", False), ("Content-Type", "x", False),
    ("Referrer", "x", False), ("Set-Cookie2", "x", False), ("Authorization", "x", False),
    ("X-HTTP-Method-Override", "TRACE", True),
    ("x-http-method", "get, connect", True),
    ("X-Method-Override", " track ", True),
    ("X-HTTP-Method-Override", "GET", False),
    ("X-HTTP-Method-Override", '"TRACE"', False),
    ("X-HTTP-Method-Override", "TRACE2", False),
    ("X-Method", "TRACE", False),
])
def test_forbidden_request(name, value, forbidden):
    assert run_op("forbidden-request", {"name": name, "value": value}) == {"forbidden": forbidden}


# ---- origin (Fetch origin-or-null, as SEMANTICS.md §4 narrows it) ----------------------------

@pytest.mark.parametrize("value", [
    "null", "https://foo.invalid", "http://a", "https://rabbit.invalid",
    "http://example.com:8080", "https://example.com:80", "http://example.com:443",
    "ws://a.example:443", "ftp://a.example:80", "foo+bar.baz-1://x", "http://x:0",
    "http://x:65535", "http://a_b.example", "http://-a-.example", "http://example.com.",
    "http://1.2.3.4", "http://255.255.255.255", "http://0.0.0.0:1", "http://1.2.3.4a",
    "http://[::1]", "http://[::]", "http://[::1]:8080", "http://[2001:db8::1]",
    "http://[1:2:3:4:5:6:7:8]", "http://[::ffff:1.2.3.4]", "http://[0001::]",
    "http://[1:2:3:4:5:6:1.2.3.4]", "http://xn--nxasmq6b.example",
    "http://[1:2:3:4:5:6:7::]", "http://[::2:3:4:5:6:7:8]", "http://[1::8]",
    "http://" + ".".join(["a" * 63] * 3) + "." + "b" * 61,            # 253 bytes
    "http://" + ".".join(["a" * 63] * 3) + "." + "b" * 61 + ".",      # plus the trailing dot
])
def test_origin_valid(value):
    assert run_op("origin", {"value": value}) == {"valid": True}


@pytest.mark.parametrize("value", [
    "", "Null", "NULL", "null ", " null", "https://", "https:/a", "https//a", "://a",
    "HTTPS://a", "https://A", "1http://a", "-http://a", "http://a/", "http://a/path",
    "http://a?q", "http://a#f", "http://u@a", "http://u:p@a", "http://a b", "http://a%20b",
    "http://a:", "http://a:080", "http://a:00", "http://a:65536", "http://a:123456",
    "http://a:80", "https://a:443", "ws://a:80", "wss://a:443", "ftp://a:21", "http://a:-1",
    "http://a:+1", "http://a..b", "http://.a", "http://a..", "http://.",
    "http://" + "a" * 64, "http://" + ".".join(["a" * 63] * 3) + "." + "b" * 62,
    "http://1.2.3", "http://1.2.3.4.", "http://1.2.3.256", "http://01.2.3.4", "http://1.2.3.4.5",
    "http://a.1", "http://0x7f.0.0.1", "http://a.0x1", "http://a.0x", "http://256",
    "http://[::1", "http://::1", "http://[::1]x", "http://[::1]x8080", "http://[::1]:", "http://[::G]",
    "http://[::A]", "http://[1:2:3:4:5:6:7]", "http://[1:2:3:4:5:6:7:8:9]",
    "http://[1::2::3]", "http://[00001::]", "http://[1:2:3:4:5:6:7::8]",
    "http://[::1:2:3:4:5:6:7:8]", "http://[1:2:3:4:5:6:7:8::]", "http://[:1::]", "http://[::1.2.3]", "http://[::1.2.3.04]",
    "http://[fe80::1%25eth0]", "http://[1.2.3.4]", "http://caf\u00e9.example",
    "http://a\x00", "http://a\t",
])
def test_origin_invalid(value):
    assert run_op("origin", {"value": value}) == {"valid": False}


@st.composite
def edited(draw, text, alphabet):
    """text with up to three random single-character insertions, deletions or changes."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(alphabet))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        if kind == "insert":
            text = text[:at] + char + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + char + text[at + 1:]
    return text


def ipv6_spellings(number):
    address = ipaddress.IPv6Address(number)
    groups = address.exploded.split(":")
    return st.sampled_from([
        address.compressed, address.exploded, ":".join(g.lstrip("0") or "0" for g in groups),
        ":".join(groups[:6]) + ":" + str(ipaddress.IPv4Address(number & 0xFFFFFFFF)),
    ])


@settings(database=None, max_examples=400)
@given(st.integers(0, 2 ** 128 - 1).flatmap(ipv6_spellings)
       .flatmap(lambda text: edited(text, "0123456789abcdef:.")))
def test_ipv6_grammar_agrees_with_python_ipaddress(text):
    # RFC 3986 IPv6address in lowercase is what Python's ipaddress accepts in lowercase.
    try:
        ipaddress.IPv6Address(text)
        accepted = True
    except ValueError:
        accepted = False
    assert (re.fullmatch(IPV6, text.encode()) is not None) == accepted
    assert run_op("origin", {"value": "http://[%s]" % text}) == {"valid": accepted}


@settings(database=None, max_examples=300)
@given(st.integers(0, 2 ** 32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
       .flatmap(lambda text: edited(text, "0123456789.")))
def test_ipv4_grammar_agrees_with_python_ipaddress(text):
    # Python 3.11 rejects leading zeros, as dec-octet does.
    try:
        ipaddress.IPv4Address(text)
        accepted = True
    except ValueError:
        accepted = False
    assert (re.fullmatch(IPV4, text.encode()) is not None) == accepted


# ---- malformed cases --------------------------------------------------------------------

@pytest.mark.parametrize("op, input", [
    ("token", {}),
    ("token", {"value": 1}),
    ("token", {"value": "\u0100"}),
    ("token", []),
    ("combine", {"headers": [["A", "b"]]}),
    ("combine", {"headers": [["A"]], "name": "A"}),
    ("combine", {"headers": [["A", "b", "c"]], "name": "A"}),
    ("combine", {"headers": {"A": "b"}, "name": "A"}),
    ("combine", {"headers": [["A", None]], "name": "A"}),
    ("combine", {"headers": [["A", "\u2028"]], "name": "A"}),
    ("exposed", {"credentials": "Include", "headers": []}),
    ("exposed", {"headers": []}),
    ("preflight", {"origin": "null", "credentials": "omit", "method": "GET",
                   "request_headers": [], "status": True, "headers": []}),
    ("preflight", {"origin": "null", "credentials": "omit", "method": "GET",
                   "request_headers": [], "status": 200.5, "headers": []}),
    ("preflight", {"origin": "null", "credentials": "omit", "method": "GET",
                   "request_headers": [], "status": float("nan"), "headers": []}),
    ("preflight", {"origin": "null", "credentials": "omit", "method": "GET",
                   "request_headers": [], "status": "200", "headers": []}),
    ("preflight", {"origin": "null", "credentials": "omit", "method": "GET",
                   "request_headers": "x-a", "status": 200, "headers": []}),
])
def test_malformed_input_is_rejected(op, input):
    with pytest.raises(MalformedCase):
        run_op(op, input)


def test_malformed_beats_network_error():
    # A code point above U+00FF anywhere in the list makes the case malformed, even when
    # an earlier line alone would make the list a network error.
    with pytest.raises(MalformedCase):
        run_op("combine", {"headers": [["A", "\x00"], ["B", "\u0100"]], "name": "A"})
